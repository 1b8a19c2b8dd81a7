// saveWeights: a network's state_dict (PyTorch's keys, with the network's kind and options in
// the metadata so loadModel can rebuild it) or a plain tensor map -> safetensors bytes.
import { Module } from '../../nn/module.js';
import { Tensor } from '../../tensor.js';
import { AttributeError } from '../../errors.js';
import { layoutBytes, layoutSafetensors, writeSafetensors, type SafetensorsLayout } from '../../io/safetensors.js';
import { specOf, specToMetadata } from './architectures.js';

export interface SaveWeightsOptions {
  /** Extra metadata strings (the model's kind and options are added for a known network). */
  metadata?: Record<string, string>;
  /** Element type written: F32 (default, exact), F16 or BF16 (half the size, rounded). */
  dtype?: 'F32' | 'F16' | 'BF16';
}

type PlainTensors = Record<string, { data: Float32Array | ArrayLike<number>; shape: readonly number[] } | Tensor>;

/**
 * Serialises a network's state_dict (PyTorch's keys) or a plain tensor map as safetensors.
 * A network's tensors are read synchronously, which only the WASM backend can do; on WebGPU
 * use saveWeightsAsync().
 */
export function saveWeights(source: Module | PlainTensors, options: SaveWeightsOptions = {}): Uint8Array {
  const { entries, metadata } = weightsToSave(source, options);
  const plain: Record<string, { data: Float32Array | ArrayLike<number>; shape: readonly number[] }> = Object.create(null);
  for (const [key, t] of Object.entries(entries)) plain[key] = t instanceof Tensor ? { data: t.dataSync(), shape: t.shape } : t;
  return writeSafetensors(plain, { metadata, dtype: options.dtype });
}

/** saveWeights() for every backend: tensors are read with `await data()`. */
export async function saveWeightsAsync(source: Module | PlainTensors, options: SaveWeightsOptions = {}): Promise<Uint8Array> {
  return layoutBytes(await layoutWeightsAsync(source, options));
}

/**
 * saveWeightsAsync's file laid out, its tensors read but not copied into one buffer: for a
 * streamed file write (writeSafetensorsFileAtomic in src/cyclegan/checkpoint.ts).
 */
export async function layoutWeightsAsync(source: Module | PlainTensors, options: SaveWeightsOptions = {}): Promise<SafetensorsLayout> {
  const { entries, metadata } = weightsToSave(source, options);
  const plain: Record<string, { data: Float32Array | ArrayLike<number>; shape: readonly number[] }> = Object.create(null);
  for (const [key, t] of Object.entries(entries)) plain[key] = t instanceof Tensor ? { data: await t.data(), shape: t.shape } : t;
  return layoutSafetensors(plain, { metadata, dtype: options.dtype });
}

/** The entries to write and the metadata (the network's kind and options, then the caller's). */
function weightsToSave(
  source: Module | PlainTensors,
  options: SaveWeightsOptions,
): { entries: PlainTensors; metadata: Record<string, string> } {
  // No prototype: a caller's `__proto__` metadata key stays a key (Object.assign below).
  const metadata = Object.assign(Object.create(null) as Record<string, string>, { format: 'pt' });
  let entries: PlainTensors;
  if (source instanceof Module) {
    const spec = specOf(source);
    if (spec) Object.assign(metadata, specToMetadata(spec));
    entries = source.stateDict();
  } else if (source !== null && typeof source === 'object') {
    entries = source;
  } else {
    throw new AttributeError('saveWeights', 'source', 'a Module or a map of { data, shape }', String(source));
  }
  Object.assign(metadata, options.metadata ?? {});
  return { entries, metadata };
}
