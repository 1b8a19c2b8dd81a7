// The streamed safetensors writer (layoutSafetensors + chunkBytes, written by
// writeSafetensorsFileAtomic with one positional write per tensor) produces the file
// writeSafetensors builds in one buffer, byte for byte, and keeps the atomic-write promise.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chunkBytes, layoutSafetensors, readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { CheckpointError, writeSafetensorsFileAtomic, writeSafetensorsLayout } from '../../src/cyclegan/checkpoint.js';
import { Rng } from '../../src/random/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'cyclegan-st-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tensors(seed: number): Record<string, { data: Float32Array; shape: number[] }> {
  const rng = new Rng(seed);
  const make = (shape: number[]) => {
    const n = shape.reduce((a, b) => a * b, 1);
    // Views at odd offsets into a shared buffer, like tensors read out of one heap.
    const buf = new Float32Array(n + 3);
    for (let i = 0; i < buf.length; i++) buf[i] = (rng.next() - 0.5) * 6;
    return { data: buf.subarray(3 - (n % 3), 3 - (n % 3) + n), shape };
  };
  return { 'a.weight': make([4, 3, 3, 3]), 'a.bias': make([4]), empty: make([0, 2]), scalar: make([]), 'b.w': make([7, 5]) };
}

function concatenated(layout: ReturnType<typeof layoutSafetensors>): Uint8Array {
  const out = new Uint8Array(layout.size);
  out.set(layout.header, 0);
  for (const c of layout.chunks) out.set(chunkBytes(layout, c), c.at);
  return out;
}

describe('streamed safetensors', () => {
  for (const dtype of ['F32', 'F16', 'BF16'] as const) {
    it(`lays out the bytes writeSafetensors returns (${dtype}, with metadata)`, () => {
      const t = tensors(11);
      const options = { dtype, metadata: { note: 'é ü', n: '3' } };
      const layout = layoutSafetensors(t, options);
      const whole = writeSafetensors(t, options);
      expect(layout.size).toBe(whole.length);
      expect(Buffer.from(concatenated(layout)).equals(Buffer.from(whole))).toBe(true);
    });
  }

  it('writes that file atomically, and it reads back', async () => {
    const t = tensors(12);
    const path = join(dir, 'w.safetensors');
    await writeSafetensorsFileAtomic(path, layoutSafetensors(t, { metadata: { k: 'v' } }));
    const bytes = readFileSync(path);
    expect(bytes.equals(Buffer.from(writeSafetensors(t, { metadata: { k: 'v' } })))).toBe(true);
    const back = readSafetensors(new Uint8Array(bytes));
    expect(Array.from(back.tensors['b.w'].data)).toEqual(Array.from(t['b.w'].data));
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
  });

  it('a failure in the middle of the tensors leaves the previous file and no temporary file', async () => {
    const path = join(dir, 'keep.safetensors');
    writeFileSync(path, 'previous');
    const layout = layoutSafetensors(tensors(13));
    // The last tensor's storage is gone (its buffer transferred away) by the time it is written.
    const last = layout.chunks[layout.chunks.length - 1].values as Float32Array;
    structuredClone(last.buffer, { transfer: [last.buffer] });
    const e = await writeSafetensorsFileAtomic(path, layout).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).toMatch(/previous file there is unchanged/);
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(dir).sort()).toEqual(['keep.safetensors', 'w.safetensors']);
  });
});

describe('early flushes while streaming (writeSafetensorsLayout)', () => {
  // 5 tensors of 24 MiB: a flush starts after the 3rd (72 MiB written) and the 6th would be next.
  const big = () => {
    const out: Record<string, { data: Float32Array; shape: number[] }> = {};
    for (let i = 0; i < 5; i++) out[`t${i}`] = { data: new Float32Array(6 * 2 ** 20).fill(i + 0.5), shape: [6, 2 ** 20] };
    return out;
  };
  /** A file handle that records its calls in order; flushes settle only when told. */
  function fakeHandle(failWriteAt = -1) {
    const calls: string[] = [];
    const pending: (() => void)[] = [];
    let writes = 0;
    return {
      calls,
      pending,
      async write(b: Uint8Array, offset: number, length: number) {
        if (writes++ === failWriteAt) throw new Error('disk full');
        calls.push('write');
        return { bytesWritten: length };
      },
      datasync() {
        calls.push('datasync');
        return new Promise<void>((resolve) => pending.push(() => {
          calls.push('flushed');
          resolve();
        }));
      },
    };
  }

  it('starts a flush every 64 MiB without waiting for it, and resolves only once it is done', async () => {
    const fh = fakeHandle();
    let resolved = false;
    const done = writeSafetensorsLayout(fh, layoutSafetensors(big())).then(() => (resolved = true));
    while (fh.calls.filter((c) => c === 'write').length < 6) await new Promise((r) => setImmediate(r));
    // The header and all 5 tensors are written with the flush after the 3rd still running.
    expect(fh.calls).toEqual(['write', 'write', 'write', 'write', 'datasync', 'write', 'write']);
    expect(resolved).toBe(false);
    fh.pending.forEach((f) => f());
    await done;
    expect(fh.calls.at(-1)).toBe('flushed');
  });

  it('a failed write waits for the running flush, then rejects with the write\'s error', async () => {
    const fh = fakeHandle(5); // the header, 3 tensors (a flush starts), the 4th, then the 5th fails
    let settled = false;
    const done = writeSafetensorsLayout(fh, layoutSafetensors(big())).finally(() => (settled = true));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    fh.pending.forEach((f) => f());
    await expect(done).rejects.toThrow('disk full');
    expect(fh.calls.at(-1)).toBe('flushed');
  });
});

describe('CycleGANTrainer.saveCheckpoint (streamed)', () => {
  it('writes the bytes checkpointBytes returns, and the file resumes', async () => {
    const { createEngine } = await import('../../src/index.js');
    const { CycleGANTrainer } = await import('../../src/cyclegan/trainer.js');
    const engine = await createEngine({ backend: 'wasm' });
    const trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, seed: 4 });
    const a = engine.rand([1, 3, 32, 32]);
    const b = engine.rand([1, 3, 32, 32]);
    await trainer.step(a, b);
    const path = join(dir, 'ckpt.safetensors');
    await trainer.saveCheckpoint(path);
    expect(readFileSync(path).equals(Buffer.from(await trainer.checkpointBytes()))).toBe(true);
    const resumed = await CycleGANTrainer.resume(engine, path);
    expect(resumed.steps).toBe(1);
    resumed.dispose();
    rmSync(path);
    a.dispose();
    b.dispose();
    trainer.dispose();
    engine.dispose();
  });
});

describe('the CLI\'s streamed weight files (src/cli/files.ts writeSafetensorsAtomic)', () => {
  it('writes what moduleSafetensors returns', async () => {
    const { createEngine } = await import('../../src/index.js');
    const { GeneratorResNet } = await import('../../src/cyclegan/generator.js');
    const { moduleSafetensors } = await import('../../src/cli/common.js');
    const { writeSafetensorsAtomic } = await import('../../src/cli/files.js');
    const { layoutWeightsAsync } = await import('../../src/cyclegan/weights/save.js');
    const engine = await createEngine({ backend: 'wasm', seed: 9 });
    const g = new GeneratorResNet(engine, [3, 32, 32], 1);
    const path = join(dir, 'G_AB.safetensors');
    await writeSafetensorsAtomic(path, await layoutWeightsAsync(g, { metadata: { direction: 'AtoB' } }));
    expect(readFileSync(path).equals(Buffer.from(await moduleSafetensors(g, { direction: 'AtoB' })))).toBe(true);
    rmSync(path);
    g.dispose();
    engine.dispose();
  });
});
