/// <reference types="@webgpu/types" />
// Backend selection: 'auto' uses WebGPU only when requestAdapter() gives an adapter and a
// device is created (not merely when navigator.gpu exists), else WASM with the reason in the
// dispatch report; 'webgpu' throws BackendUnavailableError naming the reason.
import '../setup/webgpu-env.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BackendUnavailableError, createEngine } from '../../src/index.js';
import { loadNodeGpu } from '../../src/backends/webgpu/gpu.js';
import { webgpuUnavailable } from './availability.js';

const unavailable = await webgpuUnavailable();
const needsAdapter = unavailable && process.env.CI !== 'true' ? it.skip : it;
if (unavailable) console.warn(`webgpu selection tests that need an adapter: ${unavailable}`);

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("backend: 'auto'", () => {
  needsAdapter('picks WebGPU where an adapter and a device exist (a software one when allowed), and says which adapter', async () => {
    const e = await createEngine({ webgpu: { allowSoftware: true } });
    try {
      expect(e.backend).toBe('webgpu');
      const { selection } = e.dispatchReport();
      expect(selection.requested).toBe('auto');
      expect(selection.adapter).toBeTruthy();
      expect(selection.webgpuUnavailable).toBeUndefined();
    } finally {
      e.dispose();
    }
  });

  it('picks WASM where there is no WebGPU implementation (no navigator.gpu)', async () => {
    const e = await createEngine({ webgpu: { gpu: null } });
    try {
      expect(e.backend).toBe('wasm');
      expect(e.dispatchReport().selection.webgpuUnavailable).toMatch(/no WebGPU implementation/);
    } finally {
      e.dispose();
    }
  });

  it('picks WASM when navigator.gpu exists but requestAdapter() returns null', async () => {
    const requestAdapter = vi.fn(async () => null);
    vi.stubGlobal('navigator', { gpu: { requestAdapter } });
    const e = await createEngine();
    try {
      expect(requestAdapter).toHaveBeenCalledTimes(1);
      expect(e.backend).toBe('wasm');
      expect(e.dispatchReport().selection.webgpuUnavailable).toMatch(/requestAdapter\(\) returned null/);
      // Ops run (on WASM) as usual.
      const t = e.tensor([1, -2, 3], [3]);
      expect(Array.from(await t.data())).toEqual([1, -2, 3]);
    } finally {
      e.dispose();
    }
  });

  it('picks WASM when an adapter exists but requestDevice() fails', async () => {
    const adapter = { limits: {}, features: new Set(), requestDevice: async () => Promise.reject(new Error('no device today')) };
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => adapter } });
    const e = await createEngine();
    try {
      expect(e.backend).toBe('wasm');
      expect(e.dispatchReport().selection.webgpuUnavailable).toMatch(/requestDevice\(\) failed.*no device today/);
    } finally {
      e.dispose();
    }
  });

  it("picks WASM for backend 'wasm' without asking for an adapter", async () => {
    const requestAdapter = vi.fn(async () => null);
    vi.stubGlobal('navigator', { gpu: { requestAdapter } });
    const e = await createEngine({ backend: 'wasm' });
    expect(e.backend).toBe('wasm');
    expect(requestAdapter).not.toHaveBeenCalled();
    e.dispose();
  });
});

describe("backend: 'webgpu'", () => {
  it('throws BackendUnavailableError naming the reason when requestAdapter() returns null', async () => {
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => null } });
    const p = createEngine({ backend: 'webgpu' });
    await expect(p).rejects.toThrow(BackendUnavailableError);
    await expect(createEngine({ backend: 'webgpu' })).rejects.toThrow(/backend 'webgpu' is unavailable: requestAdapter\(\) returned null/);
  });

  it('throws BackendUnavailableError when there is no WebGPU implementation', async () => {
    await expect(createEngine({ backend: 'webgpu', webgpu: { gpu: null } })).rejects.toThrow(BackendUnavailableError);
  });

  needsAdapter('creates a WebGPU engine and dispose() destroys its device', async () => {
    const e = await createEngine({ backend: 'webgpu' });
    expect(e.backend).toBe('webgpu');
    const device = e._device as GPUDevice;
    let lost: GPUDeviceLostInfo | null = null;
    void device.lost.then((info) => (lost = info));
    e.dispose();
    await new Promise((r) => setTimeout(r, 20));
    expect(lost).not.toBeNull();
    expect(lost!.reason).toBe('destroyed');
    expect(e.dispatchReport().deviceLoss).toBeNull(); // a disposal is no loss
  });
});

describe("Node without the optional 'webgpu' package", () => {
  it('gives a reason that says to install it', async () => {
    const reason = await loadNodeGpu(async () => {
      throw new Error("Cannot find package 'webgpu'");
    });
    expect(reason).toMatch(/install it with 'npm install webgpu'/);
    expect(reason).toMatch(/Cannot find package/);
  });

  it('gives a reason when the package does not export create()', async () => {
    expect(await loadNodeGpu(async () => ({}))).toMatch(/does not export create/);
  });
});
