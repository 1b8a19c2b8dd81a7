// Every code block of README.md and docs/*.md is run or checked (conventions: ./blocks.ts).
// Node blocks run as printed, against the built package (dist/, which `npm test` builds),
// imported by its name from an empty folder holding only the files the block's marker names.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinDataset, createEngine, encodePng, GeneratorResNet, initWeightsNormal, saveWeights } from '../../src/index.js';
import { BROWSER_FRAGMENTS, blocksOf, docPages, expectedLines, ROOT, type Block } from './blocks.js';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';
const torchMissing = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
})();
// With CI=true a missing PyTorch fails the block that needs it; elsewhere that block is skipped.
const pthSkipped = torchMissing && process.env.CI !== 'true';

const blocks = docPages().flatMap(blocksOf);
const NODE_LANGS = new Set(['js', 'javascript', 'mjs']);
const nodeBlocks = blocks.filter((b) => NODE_LANGS.has(b.lang) && !b.browser && !b.elsewhere);
const browserBlocks = blocks.filter((b) => b.browser);
const where = (b: Block) => `${b.page}:${b.line}`;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** 32x32 RGBA pixels of the built-in dataset's domain `domain`, image `i`. */
function picture(domain: 'A' | 'B', i: number, size = 32): Uint8Array {
  const rgb = builtinDataset({ seed: 3, imgHeight: size, imgWidth: size, size: 4 }).image(domain, i);
  const rgba = new Uint8Array(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

/** Makes the input `name` that a block reads, in `dir`. */
async function makeInput(dir: string, name: string): Promise<void> {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  if (name.endsWith('.png')) {
    writeFileSync(path, await encodePng(picture('A', 0, 64), 64, 64));
  } else if (name.endsWith('.safetensors')) {
    const engine = await createEngine({ backend: 'wasm' });
    try {
      const G = new GeneratorResNet(engine, [3, 64, 64], 2);
      initWeightsNormal(G, { seed: 1 });
      writeFileSync(path, saveWeights(G));
    } finally {
      engine.dispose();
    }
  } else if (name.endsWith('.pth')) {
    // The original CycleGAN's ResnetGenerator (test/io/torch_weights.py), saved by PyTorch.
    const script = `import sys, torch\nsys.path.insert(0, ${JSON.stringify(join(ROOT, 'test', 'io'))})\nimport torch_weights\ntorch.manual_seed(0)\ng = torch_weights.ResnetGenerator(3, 3, n_blocks=2)\ntorch.save(g.state_dict(), ${JSON.stringify(path)})\n`;
    execFileSync(PYTHON, ['-c', script], { stdio: 'pipe' });
  } else if (name.startsWith('datasets/')) {
    // A folder dataset in the original project's layout: trainA/, trainB/ with a few PNGs each.
    for (const domain of ['A', 'B'] as const) {
      mkdirSync(join(path, `train${domain}`), { recursive: true });
      for (let i = 0; i < 4; i++) writeFileSync(join(path, `train${domain}`, `${i}.png`), await encodePng(picture(domain, i), 32, 32));
    }
  } else {
    throw new Error(`test/docs: no recipe for the input ${name}`);
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('the docs', () => {
  it('have code blocks, and every js block is run here, by a named test, or is a browser fragment', () => {
    expect(nodeBlocks.length).toBeGreaterThan(4);
    for (const b of blocks.filter((x) => x.elsewhere)) {
      const test = join(ROOT, b.elsewhere!);
      expect(existsSync(test), `${where(b)}: ${b.elsewhere} does not exist`).toBe(true);
      expect(readFileSync(test, 'utf8'), `${where(b)}: ${b.elsewhere} must name ${b.page}`).toContain(b.page);
    }
  });

  it('show each browser fragment verbatim as the file a browser test runs', () => {
    const files = Object.fromEntries(Object.keys(BROWSER_FRAGMENTS).map((f) => [f, readFileSync(join(ROOT, f), 'utf8').trim()]));
    for (const b of browserBlocks) {
      const match = Object.entries(files).find(([, text]) => text === b.code.trim());
      expect(match, `${where(b)}: a browser block must be one of ${Object.keys(files).join(', ')}, verbatim`).toBeDefined();
    }
    for (const [file, test] of Object.entries(BROWSER_FRAGMENTS)) {
      expect(browserBlocks.some((b) => b.code.trim() === files[file]), `${file} (run by ${test}) is shown in no doc`).toBe(true);
    }
  });

  for (const b of nodeBlocks) {
    const needsTorch = b.inputs.some((f) => f.endsWith('.pth'));
    it.skipIf(needsTorch && pthSkipped)(`${where(b)} runs as printed`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'cyclegan-docs-'));
      dirs.push(dir);
      for (const f of b.inputs) await makeInput(dir, f);
      const before = new Set(listFiles(dir));
      // `cyclegan-engine` resolves to this package (its exports: dist/), as after an install.
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(ROOT, join(dir, 'node_modules', 'cyclegan-engine'), 'dir');
      // Without SwiftShader's driver, 'auto' runs the blocks on WASM: they check the docs' code,
      // not WebGPU (which test/webgpu and the browser tests cover), and software WebGPU is slow.
      const env = { ...process.env };
      delete env.VK_ICD_FILENAMES;
      let stdout: string;
      try {
        ({ stdout } = await run(process.execPath, ['--input-type=module', '-e', b.code], { cwd: dir, env, timeout: 540_000 }));
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new Error(`${where(b)} failed:\n${err.stderr || err.message}`);
      }
      const lines = stdout.split('\n').map((l) => l.trim());
      for (const line of expectedLines(b.code)) expect(lines, `${where(b)} should print "${line}"`).toContain(line);
      const written = listFiles(dir).filter((f) => !before.has(f) && !f.startsWith('node_modules/'));
      expect(written.sort(), `${where(b)}: files written into its working folder`).toEqual([...b.outputs].sort());
    }, 600_000);
  }
});
