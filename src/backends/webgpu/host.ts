// Running one kernel on the WASM backend for the WebGPU backend (a per-op fallback): the
// inputs' contents, already fetched from the device by the stream, are written into WASM
// storages, the WASM kernel runs, and the outputs (and the inputs an in-place kernel
// updates) come back as arrays for the stream to upload. Nothing stays allocated in WASM.
import type { AnyBackend } from '../backend.js';
import type { KernelAttrs, KernelName } from '../../kernels/contract.js';
import { KernelMissingError } from '../../errors.js';

/** Inputs a kernel updates in place (KernelAttrs: adam updates param, expAvg and expAvgSq). */
export const IN_PLACE_INPUTS: Partial<Record<KernelName, readonly number[]>> = { adam: [0, 2, 3] };

export interface HostResult {
  outputs: (Float32Array | null)[];
  /** new contents of the in-place inputs, by input index */
  updated: Map<number, Float32Array>;
}

export function runOnHost<K extends KernelName>(
  wasm: AnyBackend,
  kernel: K,
  attrs: KernelAttrs[K],
  inputs: readonly (Float32Array | null)[],
  outputNumels: readonly (number | null)[],
): HostResult {
  const fn = wasm.kernels[kernel];
  if (!fn) throw new KernelMissingError(kernel, 'wasm');
  const made: unknown[] = [];
  const alloc = (n: number): unknown => {
    const s = wasm.alloc(n);
    made.push(s);
    return s;
  };
  try {
    const ins = inputs.map((data) => {
      if (!data) return null;
      const s = alloc(data.length);
      wasm.write(s, data);
      return s;
    });
    const outs = outputNumels.map((n) => (n === null ? null : alloc(n)));
    fn(ins, outs, attrs);
    const read = (s: unknown): Float32Array => {
      const v = wasm.readSync(s);
      if (!v) throw new Error('the wasm backend returned no data');
      return v;
    };
    const updated = new Map<number, Float32Array>();
    for (const i of IN_PLACE_INPUTS[kernel] ?? []) if (ins[i]) updated.set(i, read(ins[i]));
    return { outputs: outs.map((s) => (s ? read(s) : null)), updated };
  } finally {
    for (const s of made) wasm.free(s);
  }
}
