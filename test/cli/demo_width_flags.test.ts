// The networks' width flags of the built CLI: `train --ngf N --ndf M` trains narrow networks
// (their width in the checkpoint's options and in the generators' weight files), a bad width is
// refused with exit 2, and --resume refuses a width that contradicts the checkpoint's. The demo
// takes the same flags (its own defaults otherwise).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/index.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { CLI, CLI_LABEL, cli, haveCli, makeDataset } from './train_helpers.js';

describe.skipIf(!haveCli)(`train --ngf / --ndf (${CLI_LABEL})`, () => {
  let tmp: string;
  let data: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'cyclegan-width-flags-'));
    data = makeDataset(join(tmp, 'data'), 2, 2);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('train --ngf 16 --ndf 8 trains narrow networks and saves their width', async () => {
    const out = join(tmp, 'out');
    const flags = ['--data', data, '--img-height', '32', '--img-width', '32', '--n-residual-blocks', '1', '--backend', 'wasm', '--out', out];
    const r = await cli(['train', ...flags, '--ngf', '16', '--ndf', '8', '--max-steps', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 residual blocks, ngf 16, ndf 8/);
    const checkpoint = join(out, 'checkpoint.safetensors');
    const state = decodeCheckpoint(new Uint8Array(readFileSync(checkpoint)), checkpoint);
    expect([state.options.ngf, state.options.ndf]).toEqual([16, 8]);
    expect(state.networks.G_AB['model.1.weight'].shape).toEqual([16, 3, 7, 7]);
    expect(state.networks.D_A['model.12.weight'].shape).toEqual([1, 64, 4, 4]);
    const g = readSafetensors(new Uint8Array(readFileSync(join(out, 'G_AB.safetensors'))));
    expect(JSON.parse(g.metadata.options)).toMatchObject({ nResidualBlocks: 1, ngf: 16 });

    const again = await cli(['train', '--data', data, '--backend', 'wasm', '--resume', checkpoint, '--out', out, '--ngf', '32', '--max-steps', '1']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--ngf 32 \(checkpoint: 16\)/);
  });

  it('refuses a width below 1', async () => {
    for (const flag of ['--ngf', '--ndf']) {
      const r = await cli(['train', '--data', data, flag, '0', '--out', join(tmp, 'zero')]);
      expect(r.code, flag).toBe(2);
      expect(r.stderr).toContain(flag);
    }
  });
});
