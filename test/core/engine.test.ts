// Engine core: tensor creation, typed errors, disposal, tidy scopes, memory counters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AttributeError,
  BackendUnavailableError,
  createEngine,
  DisposedTensorError,
  DTypeError,
  relu,
  ShapeError,
  type Engine,
} from '../../src/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
});
afterAll(() => engine.dispose());

describe('createEngine', () => {
  it('rejects an unknown backend with an AttributeError naming it', async () => {
    await expect(createEngine({ backend: 'cuda' as never })).rejects.toThrow(AttributeError);
    await expect(createEngine({ backend: 'cuda' as never })).rejects.toThrow(/backend.*"cuda"/);
  });

  it('refuses webgpu where there is no adapter rather than silently running on WASM', async () => {
    await expect(createEngine({ backend: 'webgpu', webgpu: { gpu: null } })).rejects.toThrow(BackendUnavailableError);
  });

  it('auto picks the WASM backend when no WebGPU is available', async () => {
    const e = await createEngine({ webgpu: { gpu: null } });
    expect(e.backend).toBe('wasm');
    e.dispose();
  });
});

describe('tensor', () => {
  it('round-trips data and shape', async () => {
    const values = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i) * 3);
    const t = engine.tensor(values, [2, 3, 4]);
    expect(t.shape).toEqual([2, 3, 4]);
    expect(t.size).toBe(24);
    expect(t.dtype).toBe('float32');
    expect(await t.data()).toEqual(values);
    expect(t.dataSync()).toEqual(values);
    t.dispose();
  });

  it('names the shape mismatch', () => {
    expect(() => engine.tensor(new Float32Array(5), [2, 3])).toThrow(ShapeError);
    expect(() => engine.tensor(new Float32Array(5), [2, 3])).toThrow(/6 elements for shape \[2, 3\].*5 elements/);
    expect(() => engine.tensor(new Float32Array(1), [1.5] as never)).toThrow(ShapeError);
  });

  it('names the dtype mismatch', () => {
    expect(() => engine.tensor(new Float64Array(4) as never, [4])).toThrow(DTypeError);
    expect(() => engine.tensor(new Int32Array(4) as never, [4])).toThrow(/Int32Array/);
  });

  it('throws on use after dispose, and dispose twice is harmless', async () => {
    const t = engine.tensor([1, -2, 3], [3]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => relu(t)).toThrow(DisposedTensorError);
    expect(() => relu(t)).toThrow(/relu: x was disposed/);
    await expect(t.data()).rejects.toThrow(DisposedTensorError);
  });

  it('reshape shares storage and checks the element count', () => {
    const t = engine.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const r = t.reshape([3, 2]);
    expect(r.shape).toEqual([3, 2]);
    expect(r.dataSync()).toEqual(t.dataSync());
    expect(() => t.reshape([4, 2])).toThrow(/6 elements/);
    t.dispose();
    // The view keeps the storage alive.
    expect(Array.from(r.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    r.dispose();
  });

  it('item() reads a one-element tensor and refuses others', async () => {
    const s = engine.tensor([2.5], []);
    expect(await s.item()).toBe(2.5);
    const v = engine.tensor([1, 2], [2]);
    await expect(v.item()).rejects.toThrow(ShapeError);
    s.dispose();
    v.dispose();
  });
});

describe('memory management', () => {
  it('tidy disposes what it created except what it returns', () => {
    const before = engine.memory().liveTensors;
    const x = engine.tensor([1, -1, 2, -2], [4]);
    const kept = engine.tidy(() => {
      const a = relu(x);
      relu(a);
      return relu(a);
    });
    expect(engine.memory().liveTensors).toBe(before + 2);
    expect(Array.from(kept.dataSync())).toEqual([1, 0, 2, 0]);
    kept.dispose();
    x.dispose();
    expect(engine.memory().liveTensors).toBe(before);
  });

  it('tidy disposes everything when fn throws, and keep() survives a scope', () => {
    const before = engine.memory().liveTensors;
    let saved: ReturnType<typeof relu> | undefined;
    expect(() =>
      engine.tidy(() => {
        const x = engine.tensor([1, 2], [2]);
        saved = engine.keep(relu(x));
        relu(x);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(engine.memory().liveTensors).toBe(before + 1);
    saved!.dispose();
    expect(engine.memory().liveTensors).toBe(before);
  });

  it('counts live bytes and reuses freed blocks', () => {
    const base = engine.memory();
    const t = engine.tensor(new Float32Array(1000).fill(1.5), [10, 100]);
    const m = engine.memory();
    expect(m.liveTensors).toBe(base.liveTensors + 1);
    expect(m.liveBytes).toBe(base.liveBytes + 4000);
    t.dispose();
    const reserved = engine.memory().backends.wasm!.reservedBytes;
    for (let i = 0; i < 50; i++) engine.tensor(new Float32Array(1000), [1000]).dispose();
    expect(engine.memory().backends.wasm!.reservedBytes).toBe(reserved);
    expect(engine.memory().liveBytes).toBe(base.liveBytes);
  });

  it('engine.dispose frees every tensor and later use throws', async () => {
    const e = await createEngine({ backend: 'wasm' });
    const t = e.tensor([1, 2, 3], [3]);
    e.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => e.tensor([1], [1])).toThrow(/disposed/);
  });
});
