// Memory on WebGPU: disposed tensors return their buffers to the pool, engine.memory() reports
// live tensors, bytes and pooled buffers per backend, and 200 training steps (forward,
// backward, Adam) leave every counter flat after the first few.
import '../setup/webgpu-env.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { createEngine, type Engine, type MemoryInfo, type Tensor } from '../../src/index.js';
import { webgpuUnavailable } from './availability.js';

const unavailable = await webgpuUnavailable();
const suite = unavailable && process.env.CI !== 'true' ? describe.skip : describe;

suite('WebGPU memory', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await createEngine({ backend: 'webgpu' });
  });
  afterAll(() => e?.dispose());

  it('returns disposed tensors to the pool and reuses them', async () => {
    await e.sync();
    const m0 = e.memory().backends.webgpu!;
    const t = e.zeros([1000]);
    const m1 = e.memory().backends.webgpu!;
    expect(m1.liveBytes - m0.liveBytes).toBeGreaterThanOrEqual(4000);
    t.dispose();
    const m2 = e.memory().backends.webgpu!;
    expect(m2.liveBytes).toBe(m0.liveBytes);
    expect(m2.pooledBuffers).toBe(m1.pooledBuffers! + 1);
    expect(m2.pooledBytes - m1.pooledBytes).toBe(m1.liveBytes - m0.liveBytes);
    const again = e.zeros([1000]);
    const m3 = e.memory().backends.webgpu!;
    expect(m3.pooledBuffers).toBe(m1.pooledBuffers);
    expect(m3.reservedBytes).toBe(m2.reservedBytes); // reused, not created
    again.dispose();
  });

  it('stays flat over 200 forward+backward steps with Adam', async () => {
    const r = new api.Rng(5);
    const rand = (n: number, s = 1) => Float32Array.from({ length: n }, () => (r.next() * 2 - 1) * s);
    const shapes = [[4, 3, 3, 3], [4], [3, 4, 3, 3], [3]];
    const params = shapes.map((s) => e.tensor(rand(s.reduce((a, b) => a * b, 1), 0.3), s, { requiresGrad: true }));
    const m = shapes.map((s) => e.zeros(s));
    const v = shapes.map((s) => e.zeros(s));
    const x = e.tensor(rand(2 * 3 * 8 * 8), [2, 3, 8, 8]);
    const target = e.tensor(rand(2 * 3 * 8 * 8, 0.5), [2, 3, 8, 8]);

    const samples: MemoryInfo[] = [];
    const losses: number[] = [];
    for (let k = 1; k <= 200; k++) {
      for (const p of params) p.zeroGrad();
      const loss: Tensor = e.tidy(() => {
        const h = api.relu(api.instanceNorm2d(api.conv2d(x, params[0], params[1], { padding: 1 })));
        const y = api.tanh(api.conv2d(api.reflectionPad2d(h, 1), params[2], params[3]));
        const l = api.add(api.mseLoss(y, target), api.mul(api.mean(api.mul(y, y)), 0.01));
        l.backward();
        return l;
      });
      params.forEach((p, i) => api.adamUpdate(p, p.grad!, m[i], v[i], { lr: 0.01, beta1: 0.5, beta2: 0.999, eps: 1e-8, step: k }));
      losses.push(await loss.item());
      loss.dispose();
      samples.push(e.memory());
    }
    // It trained (on the GPU), so the loop did real work.
    expect(losses[199]).toBeLessThan(losses[0]);
    expect(e.dispatchReport().kernels.conv2d.webgpu).toBe(400);
    expect(e.dispatchReport().kernels.conv2d.wasm).toBeUndefined();
    const flat = (s: MemoryInfo) => ({
      liveTensors: s.liveTensors,
      liveBytes: s.liveBytes,
      webgpu: s.backends.webgpu,
      wasm: s.backends.wasm,
    });
    const settled = flat(samples[4]);
    for (let k = 5; k < 200; k++) expect(flat(samples[k]), `memory after step ${k + 1}`).toEqual(settled);
    console.log(`memory after steps 5..200: ${JSON.stringify(settled)}`);
    for (const t of [...params, ...m, ...v, x, target]) {
      t.zeroGrad();
      t.dispose();
    }
  }, 600_000); // 200 steps on SwiftShader: minutes on a loaded 2-core CI machine
});
