// Checkpoints: bytes and files round-trip the whole training state; a checkpoint of another
// architecture, a weights file or damaged bytes give clear errors and change nothing.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';
import { CheckpointError, decodeCheckpoint, encodeCheckpoint } from '../../src/cyclegan/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { TwoDomains } from './helpers.js';

const OPTIONS = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, seed: 9, nEpochs: 4, decayEpoch: 1, bufferSize: 3 };

let engine: Engine;
let dir: string;
let trained: CycleGANTrainer;
let bytes: Uint8Array;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'cyclegan-ckpt-'));
  // Two steps of a 3-sample epoch (batch 2): a mid-epoch state with Adam moments and buffers.
  trained = new CycleGANTrainer(engine, { ...OPTIONS, batchSize: 2 });
  const stop = new AbortController();
  let n = 0;
  await trained.fit(new TwoDomains(5, 32, 32), {
    signal: stop.signal,
    onProgress: () => {
      if (++n === 2) stop.abort();
    },
  });
  bytes = await trained.checkpointBytes();
});
afterAll(() => {
  trained?.dispose();
  engine?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

async function allValues(t: CycleGANTrainer): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const net of [t.G_AB, t.G_BA, t.D_A, t.D_B]) for (const p of net.parameters()) out.push(await p.data());
  for (const opt of [t.optimizerG, t.optimizerDA, t.optimizerDB]) {
    for (const p of opt.params) {
      const s = opt.stateOf(p);
      if (s) out.push(await s.expAvg.data(), await s.expAvgSq.data());
    }
  }
  return out;
}

const same = (a: Float32Array[], b: Float32Array[]): boolean =>
  a.length === b.length && a.every((x, i) => x.length === b[i].length && x.every((v, j) => Object.is(v, b[i][j])));

describe('training checkpoints', () => {
  it('hold the networks under G_AB./G_BA./D_A./D_B., the Adam moments, the buffers and the counters', () => {
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata.format).toBe('cyclegan-engine/training-checkpoint');
    expect(metadata.architecture).toBe('channels 3, 32x32, 1 residual blocks');
    expect(tensors['G_AB.model.1.weight'].shape).toEqual([64, 3, 7, 7]);
    expect(tensors['D_B.model.12.bias'].shape).toEqual([1]);
    expect(tensors['optimizer_G.exp_avg.G_BA.model.1.weight'].shape).toEqual([64, 3, 7, 7]);
    expect(tensors['optimizer_D_A.exp_avg_sq.D_A.model.0.weight'].shape).toEqual([64, 3, 4, 4]);
    expect(tensors['fake_A_buffer.2'].shape).toEqual([1, 3, 32, 32]);
    const state = decodeCheckpoint(bytes);
    expect([state.epoch, state.batch, state.steps]).toEqual([0, 2, 2]);
    expect(state.epochOrder?.slice().sort()).toEqual([0, 1, 2, 3, 4]);
    expect(state.buffers.fake_A_buffer).toHaveLength(3);
    expect(state.optimizers.optimizer_G.state.state.every((s) => s?.step === 2)).toBe(true);
    expect(state.schedulers.optimizer_D_B).toEqual({ lastEpoch: 0, baseLr: 0.0002 });
    expect(state.options).toMatchObject(OPTIONS);
  });

  it('round-trip through bytes into a trainer of another seed: every value, counter and random state', async () => {
    const other = new CycleGANTrainer(engine, { ...OPTIONS, batchSize: 2, seed: 1234 });
    expect(same(await allValues(other), await allValues(trained))).toBe(false);
    await other.loadCheckpoint(bytes);
    expect(same(await allValues(other), await allValues(trained))).toBe(true);
    expect([other.epoch, other.batch, other.steps]).toEqual([trained.epoch, trained.batch, trained.steps]);
    expect(other.dataRng.getState()).toEqual(trained.dataRng.getState());
    expect(await other.fakeBBuffer.snapshot()).toEqual(await trained.fakeBBuffer.snapshot());
    // And the same bytes come back out (but for the seed option, which only shaped the initial state).
    const state = decodeCheckpoint(await other.checkpointBytes());
    expect(state.options.seed).toBe(1234);
    state.options.seed = OPTIONS.seed;
    expect(Buffer.from(encodeCheckpoint(state)).equals(Buffer.from(bytes))).toBe(true);
    other.dispose();
  });

  it('a generator can be read straight out of a checkpoint file (loadModel with a prefix)', async () => {
    const { loadModel } = await import('../../src/cyclegan/weights/load_model.js');
    const path = join(dir, 'for-load-model.safetensors');
    await trained.saveCheckpoint(path);
    const g = await loadModel(engine, path, { prefix: 'G_AB.' });
    const a = await g.parameters()[0].data();
    expect(a).toEqual(await trained.G_AB.parameters()[0].data());
    g.dispose();
  });

  it('a checkpoint of another architecture is refused clearly; the trainer and the file stay as they were', async () => {
    const path = join(dir, 'arch.safetensors');
    await trained.saveCheckpoint(path);
    const onDisk = readFileSync(path);
    const other = new CycleGANTrainer(engine, { ...OPTIONS, batchSize: 2, nResidualBlocks: 2 });
    const before = await allValues(other);
    const err = await other.loadCheckpoint(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    expect((err as Error).message).toContain('was saved by a trainer of another architecture');
    expect((err as Error).message).toContain('nResidualBlocks: checkpoint 1, trainer 2');
    expect(same(await allValues(other), before)).toBe(true);
    expect([other.epoch, other.batch, other.steps]).toEqual([0, 0, 0]);
    expect(readFileSync(path).equals(onDisk)).toBe(true);
    // Its own checkpoint can still be written elsewhere, and the other file is untouched.
    await other.saveCheckpoint(join(dir, 'other.safetensors'));
    expect(readFileSync(path).equals(onDisk)).toBe(true);
    other.dispose();

    const size = new CycleGANTrainer(engine, { ...OPTIONS, batchSize: 2, imgHeight: 64 });
    await expect(size.loadCheckpoint(path)).rejects.toThrow(/imgHeight: checkpoint 32, trainer 64/);
    size.dispose();
    // resume() builds the right architecture from the file itself.
    const resumed = await CycleGANTrainer.resume(engine, path);
    expect(resumed.options.nResidualBlocks).toBe(1);
    resumed.dispose();
  });

  it('other training options are refused too (resuming must continue the same run)', async () => {
    const other = new CycleGANTrainer(engine, { ...OPTIONS, batchSize: 2, lr: 0.001 });
    await expect(other.loadCheckpoint(bytes)).rejects.toThrow(/lr: checkpoint 0.0002, trainer 0.001/);
    other.dispose();
  });

  it('a weights file, damaged bytes and a missing file give clear errors', async () => {
    const weights = writeSafetensors({ 'model.1.weight': { data: new Float32Array(4), shape: [4] } }, { metadata: { format: 'pt' } });
    await expect(CycleGANTrainer.resume(engine, weights)).rejects.toThrow(/not a cyclegan-engine training checkpoint.*looks like a weights file/);
    await expect(CycleGANTrainer.resume(engine, bytes.subarray(0, bytes.length - 100))).rejects.toThrow(CheckpointError);
    await expect(CycleGANTrainer.resume(engine, join(dir, 'nope.safetensors'))).rejects.toThrow(/cannot read .*nope.safetensors/);
    // A tensor removed from an otherwise valid checkpoint.
    const { tensors, metadata } = readSafetensors(bytes);
    delete tensors['optimizer_D_B.exp_avg.D_B.model.12.weight'];
    const damaged = writeSafetensors(tensors, { metadata });
    await expect(CycleGANTrainer.resume(engine, damaged)).rejects.toThrow(/damaged: tensor optimizer_D_B.exp_avg.D_B.model.12.weight is missing/);
  });

  it('saving replaces the file atomically and leaves no temporary files', async () => {
    const path = join(dir, 'atomic.safetensors');
    writeFileSync(path, 'old contents');
    await trained.saveCheckpoint(path);
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(bytes))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a save that cannot be written fails clearly and leaves the previous file intact', async () => {
    const path = join(dir, 'kept.safetensors');
    await trained.saveCheckpoint(path);
    const onDisk = readFileSync(path);
    // The target's directory does not exist: the temporary file cannot be created.
    await expect(trained.saveCheckpoint(join(dir, 'missing-dir', 'x.safetensors'))).rejects.toThrow(/could not write/);
    // A directory in the way of the rename: the bytes are written, the rename fails.
    const blocked = join(dir, 'blocked');
    await import('node:fs').then((fs) => fs.mkdirSync(join(blocked, 'child'), { recursive: true }));
    await expect(trained.saveCheckpoint(blocked)).rejects.toThrow(/any previous file there is unchanged/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(readFileSync(path).equals(onDisk)).toBe(true);
  });
});
