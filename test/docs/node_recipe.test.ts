// The Node recipe docs/recipes/translate_node.mjs, run verbatim as a user would (`node` on the
// file, importing the built package `cyclegan-engine` from dist/ by the package's own name), on
// a generator saved as .safetensors and the same weights saved by PyTorch as .pth, with a photo
// whose sides (45x30) are not multiples of 4: both give the same picture, at the photo's size.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinDataset, createEngine, decodeImage, encodePng, GeneratorResNet, saveWeightsAsync } from '../../src/index.js';

const ROOT = resolve(__dirname, '..', '..');
const RECIPE = join(ROOT, 'docs', 'recipes', 'translate_node.mjs');
const PYTHON = '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'cyclegan-recipe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runRecipe(weights: string, photo: string, out: string): string {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) throw new Error('dist/index.js is missing: run `npm run build` first (npm test does)');
  return execFileSync(process.execPath, [RECIPE, weights, photo, out], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
}

/** Torch's torch.save of the same state_dict, keys and shapes as PyTorch-GAN's generator. */
function savePth(tensors: Record<string, { shape: number[]; data: Float32Array }>, path: string): void {
  const manifest: Record<string, { shape: number[]; file: string }> = {};
  Object.entries(tensors).forEach(([k, t], i) => {
    const file = join(dir, `t${i}.f32`);
    writeFileSync(file, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    manifest[k] = { shape: t.shape, file };
  });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const script = [
    'import json, collections, numpy as np, torch, sys',
    'm = json.load(open(sys.argv[1]))',
    'sd = collections.OrderedDict((k, torch.from_numpy(np.fromfile(v["file"], dtype=np.float32).reshape(v["shape"]))) for k, v in m.items())',
    'torch.save(sd, sys.argv[2])',
  ].join('\n');
  execFileSync(PYTHON, ['-c', script, join(dir, 'manifest.json'), path], { timeout: 300_000 });
}

describe('docs/recipes/translate_node.mjs', () => {
  it('translates a 45x30 photo with a .safetensors and a .pth generator, verbatim', async () => {
    const engine = await createEngine({ backend: 'wasm', seed: 5 });
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    try {
      const g = new GeneratorResNet(engine, [3, 32, 32], 2);
      writeFileSync(join(dir, 'G_AB.safetensors'), await saveWeightsAsync(g, { metadata: { direction: 'AtoB' } }));
      for (const [k, p] of g.namedParameters()) tensors[k] = { shape: [...p.shape], data: await p.data() };
      g.dispose();
    } finally {
      engine.dispose();
    }
    const rgb = builtinDataset({ seed: 4, imgHeight: 30, imgWidth: 45, size: 1 }).image('A', 0);
    const rgba = new Uint8Array(45 * 30 * 4);
    for (let p = 0; p < 45 * 30; p++) {
      rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = 255;
    }
    writeFileSync(join(dir, 'photo.png'), await encodePng(rgba, 45, 30));

    expect(runRecipe('G_AB.safetensors', 'photo.png', 'out_st.png')).toContain('out_st.png: 45x30');
    const a = await decodeImage(readFileSync(join(dir, 'out_st.png')));
    expect([a.width, a.height]).toEqual([45, 30]);
    const colours = new Set<number>();
    for (let p = 0; p < 45 * 30; p++) colours.add((a.data[p * 4] << 16) | (a.data[p * 4 + 1] << 8) | a.data[p * 4 + 2]);
    expect(colours.size, 'distinct colours in the translation').toBeGreaterThan(50);

    if (!existsSync(PYTHON) && process.env.CI !== 'true') return; // torch is this repository's oracle; CI has it
    savePth(tensors, join(dir, 'G_AB.pth'));
    expect(runRecipe('G_AB.pth', 'photo.png', 'out_pth.png')).toContain('out_pth.png: 45x30');
    const b = await decodeImage(readFileSync(join(dir, 'out_pth.png')));
    expect(Buffer.from(b.data).equals(Buffer.from(a.data)), 'the .pth and .safetensors files give the same picture').toBe(true);
  }, 600_000);
});
