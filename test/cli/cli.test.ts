// The `cyclegan-engine` command, run as a child process through the built bundle
// (dist/cli.js, or $CYCLEGAN_CLI), in a temporary folder: every subcommand's files and the
// exit codes and one-line messages of the error cases.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { createEngine, Discriminator, loadModel, loadWeights, saveWeights, GeneratorResNet } from '../../src/index.js';

const CLI = resolve(process.env.CYCLEGAN_CLI ?? 'dist/cli.js');
// `npm test` builds dist/cli.js first; a bare vitest run without a build skips with the path,
// but under CI=true a missing CLI is a failure (the tests then fail on the missing file).
const haveCli = existsSync(CLI) || process.env.CI === 'true';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, CI: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

function png(path: string): { width: number; height: number } {
  const img = PNG.sync.read(readFileSync(path));
  return { width: img.width, height: img.height };
}

/** stderr of a failed command: exactly one line, naming the problem. */
function oneLine(r: Run, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cyclegan-engine: error: /);
  expect(lines[0]).toMatch(pattern);
}

/** No file of the folder is a temporary left behind. */
function noTemps(dir: string): void {
  if (!existsSync(dir)) return;
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [e.name]));
  expect(walk(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
}

describe.skipIf(!haveCli)(`cyclegan-engine CLI (${CLI})`, () => {
  let tmp: string;
  let demo: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'cyclegan-cli-'));
    demo = join(tmp, 'demo');
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('prints help for the program and every subcommand (exit 0)', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['demo', 'train', 'translate', 'convert', 'info', 'bench']) expect(top.stdout).toContain(c);
    const subs = await Promise.all(['demo', 'train', 'translate', 'convert', 'info', 'bench'].map((c) => cli([c, '--help'])));
    for (const r of subs) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: cyclegan-engine \w+/);
    }
    expect(subs[0].stdout).toContain('--backend');
    expect(subs[1].stdout).toContain('--n-residual-blocks');
    expect(subs[1].stdout).toContain('--resume');
  });

  it('demo trains, samples, charts, saves weights and translates both ways', async () => {
    const r = await cli(['demo', '--steps', '2', '--size', '32', '--blocks', '1', '--sample-interval', '1', '--translations', '2', '--backend', 'wasm', '--out', demo]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('s per step');
    expect(r.stdout).toContain(join(demo, 'losses.svg'));
    // Sample grids: rows real A, fake B, real B, fake A of 5 test images (make_grid padding 2).
    const samples = readdirSync(join(demo, 'samples')).sort();
    expect(samples).toEqual(['step_000000.png', 'step_000001.png']);
    // The reference's grid (5 * 34 + 2 by 4 * 36) enlarged 3 times, with a 82-px column of row
    // labels on the left and a 26-px title line (the step) on top (src/cyclegan/grid_labels.ts).
    expect(png(join(demo, 'samples', samples[0]))).toEqual({ width: 82 + 3 * (5 * 34 + 2), height: 26 + 3 * 4 * 36 });
    const svg = readFileSync(join(demo, 'losses.svg'), 'utf8');
    expect(svg.length).toBeGreaterThan(500);
    expect(svg).toMatch(/^<svg[^>]*xmlns/);
    expect(svg).toContain('loss cycle');
    expect(readFileSync(join(demo, 'losses.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    for (const dir of ['AtoB', 'BtoA']) {
      for (const f of ['000_input.png', '000_output.png', '001_output.png']) expect(png(join(demo, 'translations', dir, f))).toEqual({ width: 32, height: 32 });
      // Three labelled rows (input, translation, a real target image) of 2 images enlarged 3 times,
      // as wide as the title line ("A TO B, HELD-OUT IMAGES, AFTER 2 STEPS": 38 characters of 12 px).
      expect(png(join(demo, `translations_${dir}.png`))).toEqual({ width: (38 * 6 - 1) * 2 + 12, height: 26 + 3 * (14 + 6 + 96 + 12) });
    }
    const engine = await createEngine({ backend: 'wasm' });
    try {
      for (const f of ['G_AB.safetensors', 'G_BA.safetensors']) {
        const model = await loadModel(engine, join(demo, f));
        expect(model).toBeInstanceOf(GeneratorResNet);
        expect((model as GeneratorResNet).nResidualBlocks).toBe(1);
        expect((model as GeneratorResNet).inputShape).toEqual([3, 32, 32]);
        model.dispose();
      }
    } finally {
      engine.dispose();
    }
    noTemps(demo);
  });

  it('translate: a file to PNG and JPEG, a folder to a folder, --size, checkpoint directions', async () => {
    const weights = join(demo, 'G_AB.safetensors');
    const input = join(demo, 'translations', 'AtoB', '000_input.png');
    const outPng = join(tmp, 'tr', 'out.png');
    const outJpg = join(tmp, 'tr', 'out.jpg');
    const [a, b] = await Promise.all([
      cli(['translate', '--weights', weights, '--input', input, '--output', outPng, '--backend', 'wasm']),
      cli(['translate', '-w', weights, '-i', input, '-o', outJpg, '--size', '48', '--direction', 'AtoB', '--quiet']),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(png(outPng)).toEqual({ width: 32, height: 32 });
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toBe('');
    const j = jpeg.decode(readFileSync(outJpg), { useTArray: true });
    expect([j.width, j.height]).toEqual([48, 48]);
    const outDir = join(tmp, 'tr', 'dir');
    const c = await cli(['translate', '-w', join(demo, 'G_BA.safetensors'), '-i', join(demo, 'translations', 'BtoA'), '-o', outDir, '--size', '32']);
    expect(c.code, c.stderr).toBe(0);
    expect(readdirSync(outDir).sort()).toEqual(readdirSync(join(demo, 'translations', 'BtoA')).sort());
    expect(png(join(outDir, '001_output.png'))).toEqual({ width: 32, height: 32 });
    noTemps(join(tmp, 'tr'));
  });

  it('info describes weights: architecture, tensors with shapes, metadata, parameter count', async () => {
    const r = await cli(['info', join(demo, 'G_AB.safetensors')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('format: safetensors');
    // The demo's networks are narrow (src/cli/commands/demo.ts: ngf 32), and info says so.
    expect(r.stdout).toMatch(/architecture: GeneratorResNet\(inputShape=\[3,32,32\], nResidualBlocks=1, ngf=32\)/);
    expect(r.stdout).toMatch(/model\.1\.weight\s+F32\s+\[32, 3, 7, 7\]/);
    expect(r.stdout).toMatch(/parameters: [\d,]+ values/);
    expect(r.stdout).toContain('kind: GeneratorResNet');
    const j = await cli(['info', '--json', join(demo, 'G_AB.safetensors')]);
    expect(j.code).toBe(0);
    const parsed = JSON.parse(j.stdout);
    expect(parsed.tensors.find((t: { name: string }) => t.name === 'model.1.weight').shape).toEqual([32, 3, 7, 7]);
  });

  it('convert writes a safetensors file that loads as the same network', async () => {
    const out = join(tmp, 'conv', 'g.safetensors');
    const r = await cli(['convert', join(demo, 'G_AB.safetensors'), out]);
    expect(r.code, r.stderr).toBe(0);
    const a = await loadWeights(join(demo, 'G_AB.safetensors'));
    const b = await loadWeights(out);
    expect(Object.keys(b.tensors).sort()).toEqual(Object.keys(a.tensors).sort());
    expect(Array.from(b.tensors['model.1.weight'].data.subarray(0, 8))).toEqual(Array.from(a.tensors['model.1.weight'].data.subarray(0, 8)));
    expect(b.metadata.kind).toBe('GeneratorResNet');
    noTemps(join(tmp, 'conv'));
  });

  it('train on a folder dataset writes samples, chart, weights and a checkpoint; --resume continues', async () => {
    const data = join(tmp, 'data');
    for (const d of ['trainA', 'trainB']) mkdirSync(join(data, d), { recursive: true });
    copyFileSync(join(demo, 'translations', 'AtoB', '000_input.png'), join(data, 'trainA', 'a0.png'));
    copyFileSync(join(demo, 'translations', 'AtoB', '001_input.png'), join(data, 'trainA', 'a1.png'));
    copyFileSync(join(demo, 'translations', 'BtoA', '000_input.png'), join(data, 'trainB', 'b0.png'));
    const out = join(tmp, 'train');
    const common = ['--img-height', '32', '--img-width', '32', '--n-residual-blocks', '1', '--backend', 'wasm', '--out', out];
    const r = await cli(['train', '--data', data, '--n-epochs', '2', '--decay-epoch', '1', '--sample-interval', '2', '--seed', '3', ...common]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cyclegan layout, 2 A and 1 B images/);
    expect(readdirSync(join(out, 'samples')).sort()).toEqual(['step_000000.png', 'step_000002.png']);
    expect(statSync(join(out, 'losses.svg')).size).toBeGreaterThan(500);
    expect(statSync(join(out, 'checkpoint.safetensors')).size).toBeGreaterThan(1000);
    for (const f of ['G_AB.safetensors', 'G_BA.safetensors']) expect((await loadWeights(join(out, f))).metadata.kind).toBe('GeneratorResNet');
    const info = await cli(['info', join(out, 'checkpoint.safetensors')]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('CycleGAN training checkpoint');
    expect(info.stdout).toMatch(/G_AB: GeneratorResNet/);
    // A checkpoint translates with either generator.
    const t = await cli(['translate', '-w', join(out, 'checkpoint.safetensors'), '-i', join(data, 'trainB', 'b0.png'), '-o', join(tmp, 'ck.png'), '-d', 'BtoA']);
    expect(t.code, t.stderr).toBe(0);
    expect(png(join(tmp, 'ck.png'))).toEqual({ width: 32, height: 32 });
    const resumed = await cli(['train', '--data', data, '--resume', join(out, 'checkpoint.safetensors'), ...common]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed at epoch 2/);
    noTemps(out);
  });

  it('bench times training steps and runs the kernel suites', async () => {
    const r = await cli(['bench', '--no-suites', '--size', '32', '--blocks', '0', '--steps', '1', '--backend', 'wasm']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('CycleGAN training step 32x32');
    if (existsSync('dist/index.js')) {
      // A filtered run without peers or WebGPU: seconds, and its results file is a git-ignored
      // "-partial" one, never the committed results.
      const s = await cli(['bench', '--quick', '--no-step', '--no-peers', '--no-webgpu', 'instanceNorm2d forward']);
      expect(s.code, s.stderr).toBe(0);
      expect(s.stdout).toContain('instanceNorm2d forward IN 256ch @128');
      expect(s.stdout).not.toContain('conv2d');
    }
  });

  describe('errors: one line on stderr, a non-zero exit code, no partial output', () => {
    it('an unknown flag or a bad value is a usage error (exit 2)', async () => {
      const [a, b, c] = await Promise.all([
        cli(['demo', '--no-such-flag']),
        cli(['translate', '-w', 'x', '-i', 'y', '-o', 'z.png', '--direction', 'sideways']),
        cli(['frobnicate']),
      ]);
      expect(a.code).toBe(2);
      oneLine(a, /unknown option '--no-such-flag'/);
      expect(b.code).toBe(2);
      oneLine(b, /AtoB or BtoA/);
      expect(c.code).toBe(2);
      oneLine(c, /unknown command/);
    });

    it('a missing or unreadable file', async () => {
      const out = join(tmp, 'err', 'out.png');
      const input = join(demo, 'translations', 'AtoB', '000_input.png');
      const [a, b, c] = await Promise.all([
        cli(['translate', '-w', join(tmp, 'nope.safetensors'), '-i', input, '-o', out]),
        cli(['info', join(tmp, 'nope.pth')]),
        cli(['translate', '-w', join(demo, 'G_AB.safetensors'), '-i', join(tmp, 'nope.png'), '-o', out]),
      ]);
      for (const r of [a, b]) {
        expect(r.code).toBe(1);
        oneLine(r, /nope\.(safetensors|pth) does not exist/);
      }
      expect(c.code).toBe(1);
      oneLine(c, /nope\.png does not exist/);
      const garbage = join(tmp, 'garbage.safetensors');
      writeFileSync(garbage, 'this is not a weight file at all');
      const d = await cli(['info', garbage]);
      expect(d.code).toBe(1);
      oneLine(d, /not a readable weight file/);
      expect(existsSync(out)).toBe(false);
    });

    it('an image that does not decode', async () => {
      const bad = join(tmp, 'bad.png');
      writeFileSync(bad, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(40, 7)]));
      const out = join(tmp, 'err2', 'out.png');
      const r = await cli(['translate', '-w', join(demo, 'G_AB.safetensors'), '-i', bad, '-o', out]);
      expect(r.code).toBe(1);
      oneLine(r, /bad\.png/);
      expect(existsSync(out)).toBe(false);
      noTemps(join(tmp, 'err2'));
    });

    it('weights of another architecture', async () => {
      const engine = await createEngine({ backend: 'wasm' });
      const d = new Discriminator(engine, [3, 32, 32]);
      const file = join(tmp, 'D.safetensors');
      writeFileSync(file, saveWeights(d));
      engine.dispose();
      const out = join(tmp, 'err3', 'out.png');
      const r = await cli(['translate', '-w', file, '-i', join(demo, 'translations', 'AtoB', '000_input.png'), '-o', out]);
      expect(r.code).toBe(1);
      oneLine(r, /holds a Discriminator, not a generator/);
      expect(existsSync(out)).toBe(false);
    });

    it('a folder with no images', async () => {
      const empty = join(tmp, 'empty');
      mkdirSync(join(empty, 'trainA'), { recursive: true });
      mkdirSync(join(empty, 'trainB'), { recursive: true });
      writeFileSync(join(empty, 'trainA', 'notes.txt'), 'hi');
      const [a, b] = await Promise.all([
        cli(['translate', '-w', join(demo, 'G_AB.safetensors'), '-i', join(empty, 'trainA'), '-o', join(tmp, 'err4')]),
        cli(['train', '--data', empty, '--img-height', '32', '--img-width', '32', '--out', join(tmp, 'err5')]),
      ]);
      expect(a.code).toBe(1);
      oneLine(a, /contains no \.png, \.jpg or \.jpeg files/);
      expect(b.code).toBe(1);
      oneLine(b, /trainA.*contains no \.png/);
      expect(existsSync(join(tmp, 'err4'))).toBe(false);
    });

    it('--verbose adds the stack trace', async () => {
      const r = await cli(['info', join(tmp, 'nope.pth'), '--verbose']);
      expect(r.code).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(/^cyclegan-engine: error: .*does not exist/);
      expect(r.stderr).toMatch(/\n\s+at /);
    });
  });
});
