// `cyclegan-engine translate` through the built bundle (dist/cli.js, as test/cli/cli.test.ts
// runs it): any size in and the same size out (no cropping), tiles equal to no tiles, a
// progress line with an ETA, the wrong direction refused, and a folder run that goes on past a
// bad image and fails at the end naming it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { createEngine, GeneratorResNet, saveWeights, type Engine } from '../../src/index.js';
import { chwToRgba, rgbaToChw } from '../../src/data/convert.js';
import { translateImage } from '../../src/translate/translate.js';
import { randomRgba } from '../worker/helpers.js';

const CLI = resolve(process.env.CYCLEGAN_CLI ?? 'dist/cli.js');
const haveCli = existsSync(CLI) || process.env.CI === 'true';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

function writePng(path: string, img: { data: Uint8ClampedArray; width: number; height: number }): void {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data);
  writeFileSync(path, PNG.sync.write(png));
}

function readPng(path: string): { data: Uint8Array; width: number; height: number } {
  const p = PNG.sync.read(readFileSync(path));
  return { data: new Uint8Array(p.data), width: p.width, height: p.height };
}

function worstLevel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe.skipIf(!haveCli)(`translate command (${existsSync(CLI) ? CLI : `${CLI} not built: skipped outside CI, run npm run build`})`, () => {
  let tmp: string;
  let engine: Engine;
  let gen: GeneratorResNet;
  let weights: string;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cyclegan-translate-cli-'));
    engine = await createEngine({ backend: 'wasm', seed: 2, wasm: { threads: 1 } });
    gen = new GeneratorResNet(engine, [3, 32, 32], 1);
    weights = join(tmp, 'G_AB.safetensors');
    // Labelled as `train` labels its G_AB file.
    writeFileSync(weights, saveWeights(gen, { metadata: { direction: 'AtoB' } }));
  });
  afterAll(() => {
    gen?.dispose();
    engine?.dispose();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('a 451x300 photo gives a 451x300 output equal to the in-thread translation, with progress; tiles equal no tiles', async () => {
    const [w, h] = [451, 300];
    const photo = join(tmp, 'photo.png');
    writePng(photo, randomRgba(4, w, h));
    // Tiles on a smaller photo (tiles cost a pass per norm), untiled for comparison.
    const smallPhoto = join(tmp, 'tiles.png');
    writePng(smallPhoto, randomRgba(8, 97, 66));
    const [plain, tiled, untiled] = await Promise.all([
      cli(['translate', '-w', weights, '-i', photo, '-o', join(tmp, 'out.png'), '--backend', 'wasm']),
      cli(['translate', '-w', weights, '-i', smallPhoto, '-o', join(tmp, 'tiled.png'), '--backend', 'wasm', '--tile-size', '48']),
      cli(['translate', '-w', weights, '-i', smallPhoto, '-o', join(tmp, 'untiled.png'), '--backend', 'wasm']),
    ]);
    expect(untiled.code, untiled.stderr).toBe(0);
    expect(plain.code, plain.stderr).toBe(0);
    expect(tiled.code, tiled.stderr).toBe(0);
    expect(plain.stdout).toMatch(/photo\.png 451x300 .*ETA/);
    expect(plain.stdout).toMatch(/\(451x300, AtoB\)/);
    expect(tiled.stdout).toMatch(/pass \d+\/\d+ tile \d+\/\d+/);
    const out = readPng(join(tmp, 'out.png'));
    expect([out.width, out.height]).toEqual([w, h]);
    const input = readPng(photo);
    const x = engine.tensor(rgbaToChw(input.data, h, w, 3), [1, 3, h, w]);
    const y = await translateImage(gen, x, { tileSize: 'none' });
    const expected = chwToRgba(await y.data(), 3, h, w);
    x.dispose();
    y.dispose();
    expect(worstLevel(out.data, expected)).toBeLessThanOrEqual(1);
    expect(readPng(join(tmp, 'tiled.png'))).toMatchObject({ width: 97, height: 66 });
    expect(worstLevel(readPng(join(tmp, 'tiled.png')).data, readPng(join(tmp, 'untiled.png')).data)).toBeLessThanOrEqual(1);
  }, 600_000);

  it('-d BtoA with a G_AB file fails, naming why, and writes nothing', async () => {
    const photo = join(tmp, 'small.png');
    writePng(photo, randomRgba(5, 20, 12));
    const r = await cli(['translate', '-w', weights, '-i', photo, '-o', join(tmp, 'wrong.png'), '-d', 'BtoA', '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/holds the AtoB generator only .*cannot translate BtoA/);
    expect(existsSync(join(tmp, 'wrong.png'))).toBe(false);
  });

  it("--backend auto: Dawn's warnings only with --verbose; SwiftShader passed over for WASM", async () => {
    const photo = join(tmp, 'auto.png');
    writePng(photo, randomRgba(9, 20, 12));
    const args = ['translate', '-w', weights, '-i', photo, '-o', join(tmp, 'auto_out.png'), '--backend', 'auto'];
    // No Vulkan driver at all: Dawn warns on stderr (in the probe's process).
    const noDriver = { VK_ICD_FILENAMES: join(tmp, 'no_such_icd.json') };
    const [quiet, verbose] = await Promise.all([cli(args, noDriver), cli([...args, '--verbose'], noDriver)]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toMatch(/on wasm/);
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stderr).toMatch(/vkCreateInstance|Warning/);
    if (existsSync('/usr/lib/chromium/vk_swiftshader_icd.json')) {
      const sw = await cli(args, { VK_ICD_FILENAMES: '/usr/lib/chromium/vk_swiftshader_icd.json' });
      expect(sw.code, sw.stderr).toBe(0);
      expect(sw.stdout).toMatch(/translated 1 image on wasm/);
    }
  }, 120_000);

  it('a folder with a bad image: the others are translated, the run fails at the end naming it', async () => {
    const dir = join(tmp, 'in');
    mkdirSync(dir);
    writePng(join(dir, 'a.png'), randomRgba(6, 33, 21));
    writeFileSync(join(dir, 'b.png'), 'not a png at all');
    writePng(join(dir, 'c.png'), randomRgba(7, 17, 40));
    const out = join(tmp, 'out');
    const r = await cli(['translate', '-w', weights, '-i', dir, '-o', out, '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/b\.png/);
    expect(r.stderr).toMatch(/1 of 3 images failed/);
    expect(readPng(join(out, 'a.png'))).toMatchObject({ width: 33, height: 21 });
    expect(readPng(join(out, 'c.png'))).toMatchObject({ width: 17, height: 40 });
    expect(existsSync(join(out, 'b.png'))).toBe(false);
  });
});
