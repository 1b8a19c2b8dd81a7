// `train --max-steps N` stops after N steps of this run with a checkpoint of step N (exit 0, a
// resume hint), and the summary reports the run's peak WebAssembly memory; --resume with
// --max-steps continues from there and numbers its losses from the checkpoint's step.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/index.js';
import { CLI_LABEL, cli, csvRows, haveCli, makeDataset } from './train_helpers.js';

describe.skipIf(!haveCli)(`train --max-steps (${CLI_LABEL})`, () => {
  let tmp: string;
  let data: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'cyclegan-train-max-steps-'));
    data = makeDataset(join(tmp, 'data'), 3, 2);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('stops after N steps with a checkpoint of step N and the peak WebAssembly memory; --resume continues', async () => {
    const out = join(tmp, 'out');
    const flags = ['--data', data, '--img-height', '32', '--img-width', '32', '--n-residual-blocks', '0', '--backend', 'wasm', '--out', out];
    const r = await cli(['train', ...flags, '--max-steps', '2']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/stopped after --max-steps 2 at epoch 0, batch 2 \(step 2\); 2 steps in/);
    expect(r.stdout).toMatch(/peak WebAssembly memory: \d+ MiB \(live at most \d+ MiB\)/);
    const checkpoint = join(out, 'checkpoint.safetensors');
    expect(decodeCheckpoint(new Uint8Array(readFileSync(checkpoint)), checkpoint).steps).toBe(2);
    expect(csvRows(readFileSync(join(out, 'losses.csv'), 'utf8'))).toHaveLength(2);

    const again = await cli(['train', '--data', data, '--backend', 'wasm', '--resume', checkpoint, '--out', out, '--max-steps', '1']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/stopped after --max-steps 1 at epoch 1, batch 0 \(step 3\)/);
    expect(csvRows(readFileSync(join(out, 'losses.csv'), 'utf8')).map((l) => l.split(',')[0])).toEqual(['1', '2', '3']);
  });

  it('refuses --max-steps 0', async () => {
    const r = await cli(['train', '--data', data, '--max-steps', '0', '--out', join(tmp, 'zero')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-steps/);
  });
});
