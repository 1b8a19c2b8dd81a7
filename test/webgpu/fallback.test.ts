/// <reference types="@webgpu/types" />
// Per-op fallback: an op the GPU cannot run (kernel disabled, a buffer over
// maxStorageBufferBindingSize, a tensor over maxBufferSize, a pipeline that fails) runs on
// WASM inside the WebGPU stream with its inputs read back and its outputs uploaded. Results
// equal a WASM-only run, and the dispatch report counts the calls, bytes and reasons. Under
// 'webgpu' the same ops fail with the reason instead. Also: the API's sync/async boundary.
import '../setup/webgpu-env.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as api from '../../src/index.js';
import { CycleGANError, KernelMissingError, createEngine, type Engine, type Tensor } from '../../src/index.js';
import { webgpuUnavailable } from './availability.js';

const unavailable = await webgpuUnavailable();
const suite = unavailable && process.env.CI !== 'true' ? describe.skip : describe;

/** A small network through conv, norm, activations and a loss: forward, backward, gradients. */
function run(engine: Engine, seed = 3): { loss: Tensor; grads: Tensor[]; y: Tensor } {
  const r = new api.Rng(seed);
  const data = (n: number, scale = 1) => Float32Array.from({ length: n }, () => (r.next() * 2 - 1) * scale);
  const x = engine.tensor(data(2 * 3 * 9 * 9), [2, 3, 9, 9], { requiresGrad: true });
  const w = engine.tensor(data(4 * 3 * 3 * 3, 0.5), [4, 3, 3, 3], { requiresGrad: true });
  const b = engine.tensor(data(4), [4], { requiresGrad: true });
  const target = engine.tensor(data(2 * 4 * 9 * 9), [2, 4, 9, 9]);
  // One tidy for forward and backward (the backward needs the forward's saved tensors);
  // the loss, y and the leaves' gradients survive it.
  const { loss, y } = engine.tidy(() => {
    const h = api.conv2d(api.reflectionPad2d(x, 1), w, b);
    const y = api.tanh(api.add(api.leakyRelu(api.instanceNorm2d(h), 0.2), api.mul(api.relu(h), 0.5)));
    const loss = api.add(api.mseLoss(y, target), api.mul(api.l1Loss(y, target), 0.1));
    loss.backward();
    return { loss, y };
  });
  return { loss, y, grads: [x.grad!, w.grad!, b.grad!] };
}

async function values(out: { loss: Tensor; grads: Tensor[]; y: Tensor }): Promise<Float32Array[]> {
  return Promise.all([out.loss, out.y, ...out.grads].map((t) => t.data()));
}

function expectClose(a: Float32Array[], b: Float32Array[], tol: number): void {
  expect(a.length).toBe(b.length);
  a.forEach((v, k) => {
    let maxRef = 0;
    let maxErr = 0;
    for (let i = 0; i < v.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(b[k][i]));
      maxErr = Math.max(maxErr, Math.abs(v[i] - b[k][i]));
    }
    expect(maxErr / (maxRef + 1e-6), `array ${k}`).toBeLessThanOrEqual(tol);
  });
}

suite('per-op fallback (auto)', () => {
  let wasm: Engine;
  let reference: Float32Array[];
  beforeAll(async () => {
    wasm = await createEngine({ backend: 'wasm' });
    reference = await values(run(wasm));
  });
  afterAll(() => wasm?.dispose());

  it('runs everything on the GPU when it can, with no bytes moved', async () => {
    const e = await createEngine({ webgpu: { allowSoftware: true } });
    try {
      expectClose(await values(run(e)), reference, 1e-5);
      const report = e.dispatchReport();
      expect(report.backend).toBe('webgpu');
      for (const [k, v] of Object.entries(report.kernels)) {
        expect(v.wasm, `${k} on wasm`).toBeUndefined();
        expect(v.bytesMoved, `${k} bytes moved`).toBe(0);
      }
      expect(report.bytesMoved).toBe(0);
      expect(report.kernels.conv2d.webgpu).toBe(1);
      expect(report.kernels.instanceNorm2dGrad.webgpu).toBe(1);
    } finally {
      e.dispose();
    }
  });

  it('runs disabled kernels on WASM: same results, counted with bytes and reason', async () => {
    const disabled = ['instanceNorm2d', 'relu', 'conv2dGradWeight', 'mseLoss'];
    const e = await createEngine({ webgpu: { disableKernels: disabled, allowSoftware: true } });
    try {
      const out = run(e);
      expectClose(await values(out), reference, 1e-5);
      const report = e.dispatchReport();
      for (const k of disabled) {
        expect(report.kernels[k].wasm, k).toBe(1);
        expect(report.kernels[k].webgpu, k).toBeUndefined();
        expect(report.kernels[k].fallbacks).toEqual({ 'disabled by webgpu.disableKernels': 1 });
      }
      // instanceNorm2d moves x in and y, mean, invStd out.
      const n = 2 * 4 * 9 * 9;
      expect(report.kernels.instanceNorm2d.bytesMoved).toBe((n + n + 8 + 8) * 4);
      expect(report.kernels.tanh.webgpu).toBe(1);
      expect(report.kernels.tanh.bytesMoved).toBe(0);
      expect(report.bytesMoved).toBe(Object.values(report.kernels).reduce((s, v) => s + v.bytesMoved, 0));
      // The outputs of a fallback are still WebGPU tensors.
      expect(out.y.backend).toBe('webgpu');
    } finally {
      e.dispose();
    }
  });

  it('runs ops on buffers over maxStorageBufferBindingSize on WASM', async () => {
    // 600 bytes: the [4,3,3,3] weight (432 bytes) and [4] bias fit, activations (>= 1944) do not.
    const e = await createEngine({ webgpu: { maxStorageBufferBindingSize: 600, allowSoftware: true } });
    try {
      expectClose(await values(run(e)), reference, 1e-5);
      const { kernels } = e.dispatchReport();
      expect(kernels.conv2d.wasm).toBe(1);
      expect(Object.keys(kernels.conv2d.fallbacks!)[0]).toMatch(/over maxStorageBufferBindingSize \(600\)/);
      // the loss is one element: its gradient seed ran on the GPU
      expect(kernels.fill.webgpu).toBeGreaterThan(0);
    } finally {
      e.dispose();
    }
  });

  it('keeps tensors over maxBufferSize on the host and runs their ops on WASM', async () => {
    const e = await createEngine({ webgpu: { maxBufferSize: 2048, allowSoftware: true } });
    try {
      expectClose(await values(run(e)), reference, 1e-5);
      const { kernels } = e.dispatchReport();
      expect(Object.keys(kernels.conv2d.fallbacks!)[0]).toMatch(/over maxBufferSize \(2048 bytes\) is kept on the host/);
      expect(e.memory().backends.webgpu!.hostResidentBytes).toBeGreaterThan(0);
    } finally {
      e.dispose();
    }
  });

  it('runs an op whose pipeline fails on WASM, counted with the compiler error', async () => {
    const broken = 'this is not WGSL';
    const e = await createEngine({ webgpu: { sources: { leaky_relu: broken }, allowSoftware: true } });
    try {
      expectClose(await values(run(e)), reference, 1e-5);
      const { kernels } = e.dispatchReport();
      expect(kernels.leakyRelu.wasm).toBe(1);
      expect(kernels.leakyRelu.webgpu).toBeUndefined();
      expect(Object.keys(kernels.leakyRelu.fallbacks!)[0]).toMatch(/kernels\/leaky_relu\.wgsl.*shader compilation failed/);
      // Once known to fail, the kernel is planned onto WASM up front.
      const x = e.tensor([1, -1], [2]);
      const y = api.leakyRelu(x, 0.5);
      expect(Array.from(await y.data())).toEqual([1, -0.5]);
      expect(e.dispatchReport().kernels.leakyRelu.wasm).toBe(2);
    } finally {
      e.dispose();
    }
  });
});

suite("strict backend: 'webgpu'", () => {
  it('throws naming the reason instead of falling back', async () => {
    const e = await createEngine({ backend: 'webgpu', webgpu: { disableKernels: ['relu'], maxStorageBufferBindingSize: 64 } });
    try {
      const x = e.tensor(new Float32Array(8), [8]);
      expect(() => api.relu(x)).toThrow(/kernel 'relu' cannot run on the webgpu backend: disabled/);
      const big = e.tensor(new Float32Array(100), [100]);
      expect(() => api.tanh(big)).toThrow(CycleGANError);
      expect(() => api.tanh(big)).toThrow(/over maxStorageBufferBindingSize \(64\)/);
      expect(e.memory().liveTensors).toBe(2);
    } finally {
      e.dispose();
    }
  });

  it('rejects reads of what a failed pipeline should have computed, downstream included', async () => {
    const e = await createEngine({ backend: 'webgpu', webgpu: { sources: { tanh: 'fn broken(' } } });
    try {
      const x = e.tensor([0.5, -0.5], [2]);
      const y = api.tanh(x);
      const z = api.mul(y, 2);
      const ok = api.mul(x, 2);
      await expect(y.data()).rejects.toThrow(/kernel 'tanh' could not run on WebGPU: kernels\/tanh\.wgsl.*shader compilation failed/);
      await expect(z.data()).rejects.toThrow(/kernel 'tanh' could not run/);
      expect(Array.from(await ok.data())).toEqual([1, -1]);
      // Planned up front from now on: the call itself throws.
      expect(() => api.tanh(x)).toThrow(/shader compilation failed/);
    } finally {
      e.dispose();
    }
  });

  it('KernelMissingError names the kernel when no WGSL kernel exists', async () => {
    const { WebGpuBackend } = await import('../../src/backends/webgpu/backend.js');
    const e = await createEngine({ backend: 'webgpu' });
    try {
      const gpu = new WebGpuBackend(e._device as GPUDevice, 'test', null, { recoverDeviceLoss: false, disableKernels: [], table: {} });
      const s = gpu.alloc(4);
      expect(() => gpu.dispatch('relu', [s], [gpu.alloc(4)], { n: 4 }, true)).toThrow(KernelMissingError);
      expect(() => gpu.dispatch('relu', [s], [gpu.alloc(4)], { n: 4 }, true)).toThrow(/kernel 'relu' is not implemented on the webgpu backend/);
    } finally {
      e.dispose();
    }
  });
});

suite('the synchronous API over the asynchronous GPU', () => {
  let e: Engine;
  let w: Engine;
  beforeAll(async () => {
    e = await createEngine({ backend: 'webgpu' });
    w = await createEngine({ backend: 'wasm' });
  });
  afterAll(() => {
    e?.dispose();
    w?.dispose();
  });

  it('dataSync() on a WebGPU tensor throws telling to await data()', () => {
    const t = e.tensor([1, 2], [2]);
    expect(() => t.dataSync()).toThrow(/use await data\(\)/);
    t.dispose();
  });

  it('engine.assign copies between WebGPU tensors in order, without a readback', async () => {
    const a = e.tensor([1, 2, 3], [3]);
    const b = e.zeros([3]);
    const before = api.mul(b, 1);
    e.assign(b, a);
    const after = api.mul(b, 1);
    expect(Array.from(await before.data())).toEqual([0, 0, 0]);
    expect(Array.from(await after.data())).toEqual([1, 2, 3]);
    e.assign(b, new Float32Array([7, 8, 9]));
    expect(Array.from(await b.data())).toEqual([7, 8, 9]);
    for (const t of [a, b, before, after]) t.dispose();
  });

  it('uniform streams and dropout masks equal the WASM ones bit for bit; normals to a few ulp', async () => {
    for (const n of [1, 3, 16, 17, 1000, 65_537]) {
      const [gu, wu] = await Promise.all([e.rand([n], { seed: 42 }).data(), Promise.resolve(w.rand([n], { seed: 42 }).dataSync())]);
      expect(gu, `rand n=${n}`).toEqual(wu);
      const gx = e.randn([n], { seed: 7, mean: 1, std: 2 });
      const wx = w.randn([n], { seed: 7, mean: 1, std: 2 });
      const gn = await gx.data();
      const wn = wx.dataSync();
      let maxErr = 0;
      let maxRef = 0;
      for (let i = 0; i < n; i++) {
        maxErr = Math.max(maxErr, Math.abs(gn[i] - wn[i]));
        maxRef = Math.max(maxRef, Math.abs(wn[i]));
      }
      expect(maxErr / maxRef, `randn n=${n}`).toBeLessThan(4e-6);
      const gd = await api.dropout(gx, { p: 0.3, seed: 9 }).data();
      const wd = api.dropout(wx, { p: 0.3, seed: 9 }).dataSync();
      for (let i = 0; i < n; i++) expect(gd[i] === 0, `dropout mask n=${n} i=${i}`).toBe(wd[i] === 0);
    }
    // The Random123 known answer, on the GPU.
    const u = await e.rand([4], { seed: 0 }).data();
    expect(Array.from(u, (x) => x * 2 ** 24)).toEqual([0x6627e8, 0xe169c5, 0xbc57ac, 0x9b00db]);
  });

  it('engine.sync() waits for queued work, also work nobody reads', async () => {
    const queue = (e._device as GPUDevice).queue;
    const done = vi.spyOn(queue, 'onSubmittedWorkDone');
    const x = e.randn([1000]);
    await e.sync(); // copies x to the host (a sync point): waits through its mapping
    api.relu(x).dispose(); // nothing to copy: the sync must wait for the GPU itself
    await e.sync();
    expect(done).toHaveBeenCalledTimes(1);
    done.mockRestore();
    x.dispose();
  });
});
