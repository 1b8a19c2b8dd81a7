// createEngine's WASM options and engine.wasmVariant: the thread pool starts, runs, reports
// itself and ends with the engine; bad options are refused with AttributeError; relaxed SIMD
// is used only where the runtime validates it, and asking for it elsewhere is an error.
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { AttributeError, BackendUnavailableError, conv2d, createEngine } from '../../src/index.js';
import { relaxedSimdSupported } from '../../src/backends/wasm/loader.js';

describe('engine.wasmVariant and the wasm options', () => {
  it('defaults to every core (Node may block) and the build the runtime validates', async () => {
    const engine = await createEngine({ backend: 'wasm' });
    expect(engine.wasmVariant).toEqual({ threads: Math.min(64, availableParallelism()), relaxedSimd: relaxedSimdSupported() });
    engine.dispose();
  });

  it('runs convolutions on a pool of threads, with the same result as one thread', async () => {
    const results: Float32Array[] = [];
    for (const threads of [1, 3]) {
      const engine = await createEngine({ backend: 'wasm', seed: 9, wasm: { threads, relaxedSimd: false } });
      expect(engine.wasmVariant).toEqual({ threads, relaxedSimd: false });
      // 2*2*32*40*40*16*9 = 29 MFLOP: above the size the backend keeps on one thread.
      const x = engine.randn([2, 16, 40, 40]);
      const w = engine.randn([32, 16, 3, 3]);
      results.push(conv2d(x, w, null, { stride: 1, padding: 1 }).dataSync());
      engine.dispose(); // ends the workers: the test process would not exit otherwise
    }
    // Each output element is computed by one thread with the same instruction sequence.
    expect(results[1]).toEqual(results[0]);
  });

  it('refuses bad options', async () => {
    await expect(createEngine({ backend: 'wasm', wasm: { threads: 0 } })).rejects.toBeInstanceOf(AttributeError);
    await expect(createEngine({ backend: 'wasm', wasm: { threads: 1.5 } })).rejects.toBeInstanceOf(AttributeError);
    await expect(createEngine({ backend: 'wasm', wasm: { relaxedSimd: 'yes' as unknown as boolean } })).rejects.toBeInstanceOf(
      AttributeError,
    );
  });

  it('uses relaxed SIMD only where the runtime validates it', async () => {
    if (relaxedSimdSupported()) {
      const engine = await createEngine({ backend: 'wasm', wasm: { relaxedSimd: true } });
      expect(engine.wasmVariant?.relaxedSimd).toBe(true);
      engine.dispose();
    } else {
      await expect(createEngine({ backend: 'wasm', wasm: { relaxedSimd: true } })).rejects.toBeInstanceOf(
        BackendUnavailableError,
      );
    }
  });
});
