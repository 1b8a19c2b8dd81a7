/// <reference types="@webgpu/types" />
// A WebGPU tensor storage, and the numeric WebGPU constants the backend uses (numbers rather
// than the GPUBufferUsage globals, which Node only has after installing Dawn's globals).
import type { Storage } from '../backend.js';

/** Contents known on the host: a copy, or a constant fill (zeros, ones) that needs no copy. */
export type Shadow = Float32Array | { fill: number };

export interface WebGpuStorage extends Storage {
  readonly backend: 'webgpu';
  readonly numel: number;
  /** unique per backend, for messages and ordering */
  readonly id: number;
  /** The device buffer; null for a host-resident storage (over maxBufferSize) or once freed. */
  buffer: GPUBuffer | null;
  /** Size class of `buffer` in bytes (>= numel*4), as the pool keys it. */
  bufferBytes: number;
  /** Contents of a host-resident storage; ops on it run on WASM (it cannot be bound). */
  host: Float32Array | null;
  /** Bumped on every enqueued write (op output, in-place update, upload, copy). */
  version: number;
  /**
   * Host copy of the contents at version `shadowVersion` (device-loss recovery, section (b) of
   * backend.ts). Current when shadowVersion === version.
   */
  shadow: Shadow | null;
  shadowVersion: number;
  /** Set when the work that should have written it failed (strict mode): reads reject with it. */
  poison: Error | null;
  freed: boolean;
}

export const BufferUsage = {
  MAP_READ: 0x1,
  COPY_SRC: 0x4,
  COPY_DST: 0x8,
  UNIFORM: 0x40,
  STORAGE: 0x80,
} as const;

export const MAP_MODE_READ = 0x1;
export const SHADER_STAGE_COMPUTE = 0x4;
