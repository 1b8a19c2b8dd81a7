/// <reference types="@webgpu/types" />
// Backend honesty: 'auto' passes over a software WebGPU adapter (SwiftShader, llvmpipe, a
// fallback adapter, a CPU device), runs on WASM and says why, unless webgpu.allowSoftware;
// an explicit backend 'webgpu' still takes whatever adapter there is.
import '../setup/webgpu-env.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AttributeError, createEngine } from '../../src/index.js';
import { softwareAdapterReason } from '../../src/backends/webgpu/gpu.js';
import { webgpuUnavailable } from '../webgpu/availability.js';

const unavailable = await webgpuUnavailable();
const needsAdapter = unavailable && process.env.CI !== 'true' ? it.skip : it;
if (unavailable) console.warn(`backend choice tests that need an adapter: ${unavailable}`);

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('softwareAdapterReason', () => {
  it('names fallback adapters, CPU devices and software rasterizers; passes real GPUs', () => {
    expect(softwareAdapterReason({ info: { isFallbackAdapter: true, vendor: 'x' } })).toMatch(/fallback adapter/);
    expect(softwareAdapterReason({ isFallbackAdapter: true, info: {} })).toMatch(/fallback adapter/);
    expect(softwareAdapterReason({ info: { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })).toMatch(/llvmpipe/);
    expect(softwareAdapterReason({ info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader driver 5.0.0' } })).toMatch(/swiftshader/i);
    expect(softwareAdapterReason({ info: { vendor: 'x', type: 'CPU' } })).toMatch(/CPU device/);
    expect(softwareAdapterReason({ info: { vendor: 'nvidia', architecture: 'ada', description: 'NVIDIA GeForce RTX 4090' } })).toBeNull();
    expect(softwareAdapterReason({ info: { vendor: 'amd', architecture: 'rdna-3', description: 'Radeon RX 7900 (RADV NAVI31)' } })).toBeNull();
    expect(softwareAdapterReason({})).toBeNull();
  });
});

describe("backend 'auto' and software adapters", () => {
  it('skips a stubbed llvmpipe adapter without asking it for a device, and says why', async () => {
    const requestDevice = vi.fn(async () => Promise.reject(new Error('must not be called')));
    const adapter = { limits: {}, features: new Set(), info: { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15)' }, requestDevice };
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => adapter } });
    const e = await createEngine();
    try {
      expect(e.backend).toBe('wasm');
      expect(e.dispatchReport().selection.webgpuUnavailable).toMatch(/runs on the CPU: it is the software renderer llvmpipe.*allowSoftware/);
      expect(requestDevice).not.toHaveBeenCalled();
    } finally {
      e.dispose();
    }
  });

  it('refuses a non-boolean allowSoftware', async () => {
    await expect(createEngine({ backend: 'wasm', webgpu: { allowSoftware: 'yes' as unknown as boolean } })).rejects.toBeInstanceOf(AttributeError);
  });

  needsAdapter('on SwiftShader: auto picks WASM and says why', async () => {
    const e = await createEngine({ backend: 'auto' });
    try {
      expect(e.backend).toBe('wasm');
      const { selection } = e.dispatchReport();
      expect(selection.requested).toBe('auto');
      expect(selection.adapter).toBeUndefined();
      expect(selection.webgpuUnavailable).toMatch(/the WebGPU adapter runs on the CPU: it is a fallback adapter/);
    } finally {
      e.dispose();
    }
  });

  needsAdapter('on SwiftShader: auto with allowSoftware picks WebGPU', async () => {
    const e = await createEngine({ webgpu: { allowSoftware: true } });
    try {
      expect(e.backend).toBe('webgpu');
      expect(e.dispatchReport().selection.adapter).toMatch(/swiftshader/i);
    } finally {
      e.dispose();
    }
  });

  needsAdapter("on SwiftShader: backend 'webgpu' still uses it", async () => {
    const e = await createEngine({ backend: 'webgpu' });
    try {
      expect(e.backend).toBe('webgpu');
      const t = e.tensor([1, -2, 3], [3]);
      expect(Array.from(await t.data())).toEqual([1, -2, 3]);
    } finally {
      e.dispose();
    }
  });
});
