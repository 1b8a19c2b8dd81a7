// How a WebGPU kernel is described: one or more compute passes over WGSL files in kernels/.
// The backend (src/backends/webgpu/) turns these descriptions into cached pipelines, bind
// groups and dispatches; the kernel tables (src/backends/webgpu/kernels/*.ts) only describe.
import type { KernelAttrs, KernelName } from '../../kernels/contract.js';

/** A storage buffer bound to a pass: the kernel's input i, output i, or scratch buffer i. */
export type WgslBinding =
  | { kind: 'in'; index: number }
  | { kind: 'out'; index: number }
  | { kind: 'scratch'; index: number };

export interface WgslPass {
  /**
   * File name in kernels/ without `.wgsl`, named after the op it computes. A kernel may run
   * another op's shader when the computation is the same with roles swapped (convTranspose2d
   * runs conv2d's shaders, as its AssemblyScript kernels reuse conv2d's routines).
   */
  shader: string;
  /** Entry point; default 'main'. */
  entryPoint?: string;
  /**
   * Values for the `{{NAME}}` placeholders in the shader (workgroup size, tile sizes, flags
   * such as HAS_BIAS). They specialise the pipeline and are part of its cache key, so keep
   * them to a few distinct values; sizes that vary per call belong in `params`.
   */
  defines?: Record<string, number | string>;
  /** Storage buffers in @binding(0..k-1) order; @binding(k) is the uniform `Params`. */
  bindings: WgslBinding[];
  /**
   * The uniform `Params` struct's fields in order, each 4 bytes (the shader declares
   * their types); padded to 16 bytes by the backend.
   */
  params: { type: 'u32' | 'i32' | 'f32'; value: number }[];
  /** Workgroup counts; each must be <= the device's maxComputeWorkgroupsPerDimension. */
  workgroups: [number, number, number];
}

export interface WgslKernel<K extends KernelName> {
  /** Device features the passes need (e.g. 'shader-f16'); without them the op runs on WASM. */
  features?: string[];
  /** Sizes (in float32 elements) of temporary buffers the passes use, e.g. partial sums. */
  scratch?(attrs: KernelAttrs[K]): number[];
  /**
   * The passes to run, in order. `present` says which optional inputs/outputs are non-null
   * (absent ones are bound to a small dummy buffer).
   */
  passes(attrs: KernelAttrs[K], present: { inputs: boolean[]; outputs: boolean[] }): WgslPass[];
  // The runtime (src/backends/webgpu/backend.ts) binds each storage with its exact size, so
  // arrayLength() is the element count; a pass with a zero workgroup count is skipped; a
  // `passes` that throws, a storage over maxStorageBufferBindingSize or more workgroups than
  // maxComputeWorkgroupsPerDimension make the op run on WASM (auto) or fail (webgpu).
}

/** A table of WGSL kernels; a missing entry means the op runs on WASM (counted in the report). */
export type WgslKernelTable = { [K in KernelName]?: WgslKernel<K> };
