// The same careless paths through the built command (dist/cli.js, or $CYCLEGAN_CLI):
// `info /dev/zero` and `info FIFO` end at once with one clear line, and `translate` never
// overwrites its input, as a file or as a folder.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { createEngine, GeneratorResNet, saveWeights } from '../../src/index.js';

const CLI = resolve(process.env.CYCLEGAN_CLI ?? 'dist/cli.js');
// As test/cli/cli.test.ts: without a build a bare run skips; under CI=true a missing CLI fails.
const haveCli = existsSync(CLI) || process.env.CI === 'true';

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
}

/** Runs the CLI; a run still going after 60 s is killed and reported (code null). */
function cli(args: string[]): Promise<Run> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stderr, ms: performance.now() - t0 });
    });
  });
}

function oneLine(r: Run, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^cyclegan-engine: error: /);
  expect(lines[0]).toMatch(pattern);
}

describe.skipIf(!haveCli)('CLI and hostile paths', () => {
  let dir: string;
  let weights: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cg-cli-files-'));
    const engine = await createEngine({ backend: 'wasm', seed: 1 });
    const g = new GeneratorResNet(engine, [3, 16, 16], 0);
    weights = join(dir, 'G_AB.safetensors');
    writeFileSync(weights, saveWeights(g));
    engine.dispose();
    const img = new PNG({ width: 16, height: 16 });
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 37) & 255;
    mkdirSync(join(dir, 'photos'));
    for (const n of ['a.png', 'b.png']) writeFileSync(join(dir, 'photos', n), PNG.sync.write(img));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('info /dev/zero ends at once with one clear line', async () => {
    const r = await cli(['info', '/dev/zero']);
    console.log(`info /dev/zero: exit ${r.code} in ${r.ms.toFixed(0)} ms`);
    expect(r.code).toBe(1);
    oneLine(r, /\/dev\/zero is a character device, not a regular file/);
  });

  it('info on a FIFO with no writer does not hang', async () => {
    const fifo = join(dir, 'pipe.safetensors');
    execFileSync('mkfifo', [fifo]);
    const r = await cli(['info', fifo]);
    console.log(`info FIFO: exit ${r.code} in ${r.ms.toFixed(0)} ms`);
    expect(r.code).toBe(1); // null would mean it hung and was killed
    oneLine(r, /pipe\.safetensors is a FIFO \(named pipe\), not a regular file/);
  });

  it('translate -i x.png -o x.png is refused and leaves x.png as it was', async () => {
    const x = join(dir, 'photos', 'a.png');
    const before = readFileSync(x);
    const r = await cli(['translate', '-w', weights, '-i', x, '-o', x]);
    expect(r.code).toBe(1);
    oneLine(r, /output .*a\.png would overwrite the input .*a\.png/);
    expect(readFileSync(x).equals(before)).toBe(true);
  });

  it('translate with the output folder equal to the input folder is refused before writing', async () => {
    const photos = join(dir, 'photos');
    const before = readFileSync(join(photos, 'b.png'));
    const r = await cli(['translate', '-w', weights, '-i', photos, '-o', join(dir, '.', 'photos')]);
    expect(r.code).toBe(1);
    oneLine(r, /would overwrite the input .*\(the output folder is the input folder\)/);
    expect(readFileSync(join(photos, 'b.png')).equals(before)).toBe(true);
  });
});
