// `train --resume` with flags that contradict the checkpoint's training options is a usage error
// (exit 2, one line on stderr) naming each flag, its value and the checkpoint's; nothing is
// written. Flags equal to the checkpoint's options, and the two intervals, are accepted.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_LABEL, cli, haveCli, makeDataset } from './train_helpers.js';

describe.skipIf(!haveCli)(`train --resume with conflicting flags (${CLI_LABEL})`, () => {
  let tmp: string;
  let data: string;
  let checkpoint: string;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cyclegan-train-resume-'));
    data = makeDataset(join(tmp, 'data'), 1, 2);
    const out = join(tmp, 'first');
    // Two epochs of one batch: a checkpoint of 32x32, 0 blocks, lr 0.0002, 3 channels, seed 0.
    const r = await cli(['train', '--data', data, '--img-height', '32', '--img-width', '32', '--n-residual-blocks', '0', '--n-epochs', '2', '--decay-epoch', '1', '--backend', 'wasm', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    checkpoint = join(out, 'checkpoint.safetensors');
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('names every conflicting flag with its value and the checkpoint value, exit 2', async () => {
    const out = join(tmp, 'conflict');
    const r = await cli([
      'train', '--data', data, '--resume', checkpoint, '--out', out, '--backend', 'wasm',
      '--n-residual-blocks', '3', '--lr', '0.001', '--img-height', '64', '--channels', '1',
      // equal to the checkpoint's: no conflict
      '--img-width', '32', '--n-epochs', '2',
    ]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^cyclegan-engine: error: --resume .*checkpoint\.safetensors: these flags contradict the checkpoint's training options/);
    for (const part of ['--n-residual-blocks 3 (checkpoint: 0)', '--lr 0.001 (checkpoint: 0.0002)', '--img-height 64 (checkpoint: 32)', '--channels 1 (checkpoint: 3)']) {
      expect(lines[0]).toContain(part);
    }
    expect(lines[0]).not.toContain('--img-width');
    expect(lines[0]).not.toContain('--n-epochs');
    expect(existsSync(out)).toBe(false);
  });

  it('one conflict is named alone; the intervals may change on resume', async () => {
    const one = await cli(['train', '--data', data, '--resume', checkpoint, '--out', join(tmp, 'one'), '--seed', '5']);
    expect(one.code).toBe(2);
    expect(one.stderr).toMatch(/this flag contradicts the checkpoint's training options: --seed 5 \(checkpoint: 0\)\. /);
    // The run is complete (epoch 2 of 2): resuming with new intervals trains nothing and succeeds.
    const ok = await cli(['train', '--data', data, '--resume', checkpoint, '--out', join(tmp, 'ok'), '--sample-interval', '7', '--checkpoint-interval', '1', '--backend', 'wasm']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/completed at epoch 2/);
  });
});
