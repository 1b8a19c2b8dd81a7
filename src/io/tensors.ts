// The plain tensor map that every weight reader returns and every writer takes: float32
// data, a shape, and the element type the file stored (for information; data is always f32).
import type { WeightDType } from './dtype.js';

export interface WeightTensor {
  data: Float32Array;
  shape: number[];
  /** The element type in the file the tensor came from (data is widened to float32). */
  dtype?: WeightDType;
}

/** State-dict key -> tensor. Created without a prototype so that keys like `__proto__` are plain keys. */
export type TensorMap = Record<string, WeightTensor>;

export function emptyTensorMap(): TensorMap {
  return Object.create(null) as TensorMap;
}

/** Product of dims, or -1 when it is not a safe integer (a hostile shape). */
export function safeNumel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) return -1;
    n *= d;
    if (!Number.isSafeInteger(n)) return -1;
  }
  return n;
}

/**
 * Called by the readers with every tensor's key and shape, and the file's metadata, after the
 * header or pickle is parsed and before any tensor data is inflated, decoded or copied: a
 * caller that throws here (a shape that does not fit the network) costs no allocation.
 */
export type ShapeInspector = (shapes: Record<string, { shape: number[] }>, metadata: Record<string, string>) => void;
