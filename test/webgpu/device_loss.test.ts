/// <reference types="@webgpu/types" />
// Device loss in the middle of training: the device is destroyed between (or inside) steps of a
// small loop (conv2d, tanh, mseLoss, adamUpdate). The engine moves every live tensor to WASM
// with its contents at the last sync; the step in flight fails with DeviceLostError, and after
// it the parameters and Adam moments are exactly those of the last completed step, so the loop
// retries and goes on. The final state equals, bit for bit, a WASM run of the remaining steps
// from that state, and is within float rounding of a WASM-only run of every step.
import '../setup/webgpu-env.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { DeviceLostError } from '../../src/backends/webgpu/errors.js';
import { createEngine, type Engine, type Tensor } from '../../src/index.js';
import { webgpuUnavailable } from './availability.js';

const unavailable = await webgpuUnavailable();
const suite = unavailable && process.env.CI !== 'true' ? describe.skip : describe;

const STEPS = 6;
const LOSE_AFTER = 3;
const ADAM = { lr: 0.01, beta1: 0.5, beta2: 0.999, eps: 1e-8 };

function data(seed: number, n: number, scale = 1): Float32Array {
  const r = new api.Rng(seed);
  return Float32Array.from({ length: n }, () => (r.next() * 2 - 1) * scale);
}

/** Parameters [w, b] and their Adam moments, as tensors of one engine. */
interface State {
  params: Tensor[];
  m: Tensor[];
  v: Tensor[];
}

function initialState(engine: Engine, values?: Float32Array[]): State {
  const shapes = [[4, 3, 3, 3], [4]];
  const init = values ?? [data(1, 108, 0.3), data(2, 4, 0.1), new Float32Array(108), new Float32Array(4), new Float32Array(108), new Float32Array(4)];
  const params = shapes.map((s, i) => engine.tensor(init[i], s, { requiresGrad: true }));
  // Fresh moments are zeros() unless given: a fill needs no readback to survive a loss.
  const m = shapes.map((s, i) => (values ? engine.tensor(init[2 + i], s) : engine.zeros(s)));
  const v = shapes.map((s, i) => (values ? engine.tensor(init[4 + i], s) : engine.zeros(s)));
  return { params, m, v };
}

async function read(st: State): Promise<Float32Array[]> {
  return Promise.all([...st.params, ...st.m, ...st.v].map((t) => t.data()));
}

/** One synchronous training step k (1-based); returns the loss tensor, still to be awaited. */
function step(engine: Engine, st: State, k: number, beforeUpdate?: () => void): Tensor {
  for (const p of st.params) p.zeroGrad();
  const loss = engine.tidy(() => {
    const x = engine.tensor(data(100 + k, 2 * 3 * 8 * 8), [2, 3, 8, 8]);
    const target = engine.tensor(data(200 + k, 2 * 4 * 8 * 8, 0.5), [2, 4, 8, 8]);
    const y = api.tanh(api.conv2d(x, st.params[0], st.params[1], { padding: 1 }));
    const l = api.mseLoss(y, target);
    l.backward();
    return l;
  });
  beforeUpdate?.();
  st.params.forEach((p, i) => api.adamUpdate(p, p.grad!, st.m[i], st.v[i], { ...ADAM, step: k }));
  return loss;
}

/** Runs steps from..to, retrying a step that fails with DeviceLostError; returns the failures. */
async function train(engine: Engine, st: State, from: number, to: number): Promise<DeviceLostError[]> {
  const failures: DeviceLostError[] = [];
  for (let k = from; k <= to; ) {
    let loss: Tensor | null = null;
    try {
      loss = step(engine, st, k);
      await loss.data();
      k++;
    } catch (e) {
      if (!(e instanceof DeviceLostError) || failures.length > 2) throw e;
      failures.push(e);
    } finally {
      loss?.dispose();
    }
  }
  return failures;
}

function expectBitEqual(a: Float32Array[], b: Float32Array[], what: string): void {
  a.forEach((v, i) => expect(Array.from(v), `${what} tensor ${i}`).toEqual(Array.from(b[i])));
}

function expectClose(a: Float32Array[], b: Float32Array[], tol: number): void {
  a.forEach((v, k) => {
    let maxRef = 0;
    let maxErr = 0;
    for (let i = 0; i < v.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(b[k][i]));
      maxErr = Math.max(maxErr, Math.abs(v[i] - b[k][i]));
    }
    expect(maxErr / (maxRef + 1e-12), `tensor ${k}`).toBeLessThanOrEqual(tol);
  });
}

/** What a WASM-only engine gives for steps from..to, starting from `values` (or the initial state). */
async function wasmRun(from: number, to: number, values?: Float32Array[]): Promise<Float32Array[]> {
  const w = await createEngine({ backend: 'wasm' });
  try {
    const st = initialState(w, values);
    expect(await train(w, st, from, to)).toEqual([]);
    return await read(st);
  } finally {
    w.dispose();
  }
}

const destroy = (e: Engine): void => (e._device as GPUDevice).destroy();

suite('device loss during training (Adam via adamUpdate)', () => {
  let wasmOnly: Float32Array[];
  let engine: Engine | null = null;
  beforeAll(async () => {
    wasmOnly = await wasmRun(1, STEPS);
  });
  afterEach(() => {
    engine?.dispose();
    engine = null;
  });

  async function gpuUntilLoss(): Promise<{ e: Engine; st: State; atLoss: Float32Array[] }> {
    const e = (engine = await createEngine({ backend: 'auto', webgpu: { allowSoftware: true } }));
    expect(e.backend).toBe('webgpu');
    const st = initialState(e);
    expect(await train(e, st, 1, LOSE_AFTER)).toEqual([]);
    // The state every later check is held to: read, so this is also a sync point.
    const atLoss = await read(st);
    return { e, st, atLoss };
  }

  it('between steps, continuing at once: the next step fails naming the loss, then training goes on on WASM', async () => {
    const { e, st, atLoss } = await gpuUntilLoss();
    destroy(e);
    // Step LOSE_AFTER + 1 is enqueued on the dead device; its readback rejects.
    const failed = step(e, st, LOSE_AFTER + 1);
    await expect(failed.data()).rejects.toThrow(DeviceLostError);
    expect(e.backend).toBe('wasm');
    // Nothing of the completed steps was lost: parameters and moments are those after step 3.
    expectBitEqual(await read(st), atLoss, 'state after the loss');
    const info = e.dispatchReport().deviceLoss!;
    expect(info.reason).toMatch(/destroyed/);
    expect(info.discarded).toBe(6); // the failed step's Adam writes to 2 params and 4 moments
    expect(info.lost).toBeGreaterThan(0); // the failed step's loss and gradients
    // A tensor computed after the last sync is gone, and says so.
    expect(() => api.relu(failed)).toThrow(/computed on the WebGPU device after the last sync/);
    failed.dispose();
    // The loop retries the step and finishes on WASM.
    expect(await train(e, st, LOSE_AFTER + 1, STEPS)).toEqual([]);
    const final = await read(st);
    expectBitEqual(final, await wasmRun(LOSE_AFTER + 1, STEPS, atLoss), 'final state vs WASM from the state at the loss');
    expectClose(final, wasmOnly, 1e-4);
  });

  it('between steps, after the loss is noticed: the next step simply completes on WASM', async () => {
    const { e, st, atLoss } = await gpuUntilLoss();
    destroy(e);
    for (let i = 0; i < 100 && e.backend === 'webgpu'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(e.backend).toBe('wasm');
    const info = e.dispatchReport().deviceLoss!;
    expect(info).toMatchObject({ lost: 0, discarded: 0 });
    expect(info.restored).toBeGreaterThanOrEqual(6);
    expectBitEqual(await read(st), atLoss, 'state after the loss');
    expect(await train(e, st, LOSE_AFTER + 1, STEPS)).toEqual([]);
    const final = await read(st);
    expectBitEqual(final, await wasmRun(LOSE_AFTER + 1, STEPS, atLoss), 'final state');
    expectClose(final, wasmOnly, 1e-4);
    expect(e.dispatchReport().bytesMoved).toBeGreaterThanOrEqual(info.bytesMoved);
  });

  it('inside a step (after backward, before the update): the step fails, the state is that of the step before', async () => {
    const { e, st, atLoss } = await gpuUntilLoss();
    const loss = step(e, st, LOSE_AFTER + 1, () => destroy(e));
    await expect(loss.data()).rejects.toThrow(/the WebGPU device was lost \(destroyed.*retry the interrupted step/);
    loss.dispose();
    expectBitEqual(await read(st), atLoss, 'state after the loss');
    expect(await train(e, st, LOSE_AFTER + 1, STEPS)).toEqual([]);
    expectBitEqual(await read(st), await wasmRun(LOSE_AFTER + 1, STEPS, atLoss), 'final state');
  });

  it('without recovery (webgpu.recoverDeviceLoss false), tensors made on the device are lost, never silently wrong', async () => {
    const e = (engine = await createEngine({ webgpu: { recoverDeviceLoss: false, allowSoftware: true } }));
    const st = initialState(e);
    await train(e, st, 1, 1);
    destroy(e);
    for (let i = 0; i < 100 && e.backend === 'webgpu'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(e.backend).toBe('wasm');
    await expect(st.params[0].data()).rejects.toThrow(DeviceLostError);
    // The loss was reported once by the first use; new tensors work on WASM.
    expect(() => e.tensor([1], [1])).toThrow(DeviceLostError);
    const t = e.tensor([1, 2], [2]);
    expect(Array.from(await api.mul(t, 2).data())).toEqual([2, 4]);
  });
});
