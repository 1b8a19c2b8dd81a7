// saveCheckpoint on WASM writes from the tensors' own memory (no copy first): the file must be
// the state at the call even when the heap grows during the write (a one-thread heap's buffer
// is detached by growth), when a step is asked for meanwhile (it waits), and when the trainer
// is disposed meanwhile (it frees after the write).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';
import { layoutCheckpoint, writeSafetensorsFileAtomic } from '../../src/cyclegan/checkpoint.js';
import { captureLiveState } from '../../src/cyclegan/trainer_state.js';

const OPTIONS = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, seed: 3 };

describe.each([1, 2])('saveCheckpoint from the WASM heap (%i thread(s))', (threads) => {
  let dir: string;
  let engine: Engine;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cyclegan-live-save-'));
    engine = await createEngine({ backend: 'wasm', seed: 5, wasm: { threads } });
  });
  afterAll(() => {
    engine?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  async function trainedOnce(): Promise<CycleGANTrainer> {
    const trainer = new CycleGANTrainer(engine, OPTIONS);
    const a = engine.rand([1, 3, 32, 32]);
    const b = engine.rand([1, 3, 32, 32]);
    await trainer.step(a, b);
    a.dispose();
    b.dispose();
    return trainer;
  }

  it('the heap growing between the layout and the write changes nothing in the file', async () => {
    const trainer = await trainedOnce();
    const want = Buffer.from(await trainer.checkpointBytes());
    const layout = layoutCheckpoint(await captureLiveState(trainer as never, { epoch: 0, batch: 0, epochOrder: null, steps: trainer.steps }));
    const before = engine.memory().backends.wasm!.reservedBytes;
    // More than the heap holds now: it must grow, which detaches a one-thread heap's buffer.
    const big = engine.zeros([Math.ceil(before / 4) + 1024 * 1024]);
    expect(engine.memory().backends.wasm!.reservedBytes).toBeGreaterThan(before);
    const path = join(dir, `grown-${threads}.safetensors`);
    await writeSafetensorsFileAtomic(path, layout);
    expect(readFileSync(path).equals(want)).toBe(true);
    big.dispose();
    trainer.dispose();
  });

  it('a step asked for during the write waits for it; the file holds the state before that step', async () => {
    const trainer = await trainedOnce();
    const want = Buffer.from(await trainer.checkpointBytes());
    const path = join(dir, `step-${threads}.safetensors`);
    const a = engine.rand([1, 3, 32, 32]);
    const b = engine.rand([1, 3, 32, 32]);
    const order: string[] = [];
    const save = trainer.saveCheckpoint(path).then(() => order.push('saved'));
    const step = trainer.step(a, b).then(() => order.push('stepped'));
    await Promise.all([save, step]);
    expect(order).toEqual(['saved', 'stepped']);
    expect(trainer.steps).toBe(2);
    expect(readFileSync(path).equals(want)).toBe(true);
    a.dispose();
    b.dispose();
    trainer.dispose();
  });

  it('dispose() during the write frees only after it: the file is whole', async () => {
    const trainer = await trainedOnce();
    const want = Buffer.from(await trainer.checkpointBytes());
    const live = engine.memory().liveBytes;
    const path = join(dir, `dispose-${threads}.safetensors`);
    const save = trainer.saveCheckpoint(path);
    trainer.dispose();
    expect(trainer.isDisposed).toBe(true);
    await save;
    expect(readFileSync(path).equals(want)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(engine.memory().liveBytes).toBeLessThan(live);
  });
});
