// The public entry points: loadWeights (any supported file -> plain tensors), loadModel (file ->
// the right network, built and loaded), saveWeights (network or tensors -> safetensors).
// The format is read from the bytes, never from a file name.
import type { Engine } from '../engine.js';
import { Module } from '../nn/module.js';
import { Tensor } from '../tensor.js';
import { AttributeError } from '../errors.js';
import { buildModel, specFromMetadata, specOf, specToMetadata, type CycleGANModel, type ModelSpec } from './architectures.js';
import { WeightFormatError } from './errors.js';
import { dropInstanceNormStats, inferSpec, selectPrefix, stripDataParallel } from './keymap.js';
import { isLegacyPth, readPthLegacy, readPthZip } from './pth.js';
import { isSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';
import { readSource, type WeightSource } from './source.js';
import type { ShapeInspector, TensorMap } from './tensors.js';
import { checkShapesFit } from './expected_shapes.js';
import { isZip } from './zip.js';

export type WeightFileFormat = 'safetensors' | 'pth-zip' | 'pth-legacy';

export interface LoadedWeights {
  /** State-dict key -> float32 data and shape. */
  tensors: TensorMap;
  /** safetensors `__metadata__`; for .pth checkpoints, their non-tensor scalars as strings. */
  metadata: Record<string, string>;
  format: WeightFileFormat;
  /** Things skipped or adjusted while reading (never silently). */
  notes: string[];
}

/** The container, from the first bytes. */
export function detectFormat(bytes: Uint8Array): WeightFileFormat {
  if (isSafetensors(bytes)) return 'safetensors';
  if (isZip(bytes)) return 'pth-zip';
  if (isLegacyPth(bytes)) return 'pth-legacy';
  if (bytes.length > 262 && String.fromCharCode(...bytes.subarray(257, 262)) === 'ustar') {
    throw new WeightFormatError('unknown', 'a tar archive: the pre-2018 torch tar format is not supported; re-save it with a current torch', { offset: 257 });
  }
  const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new WeightFormatError(
    'unknown',
    `not a safetensors, zip .pth or legacy .pth file (first bytes: ${head || 'none, the file is empty'})`,
    { offset: 0 },
  );
}

/** Reads a weight file: safetensors, or a PyTorch .pth of either container. */
export async function loadWeights(source: WeightSource): Promise<LoadedWeights> {
  return readWeights(source);
}

/** loadWeights with a look at every tensor's shape before any data is inflated or decoded. */
async function readWeights(source: WeightSource, inspect?: ShapeInspector): Promise<LoadedWeights> {
  const bytes = await readSource(source);
  const format = detectFormat(bytes);
  if (format === 'safetensors') {
    const { tensors, metadata } = readSafetensors(bytes, inspect);
    return { tensors, metadata, format, notes: [] };
  }
  const { tensors, metadata, notes } = format === 'pth-zip' ? await readPthZip(bytes, inspect) : readPthLegacy(bytes, inspect);
  return { tensors, metadata, format, notes };
}

export interface LoadModelOptions {
  /** Missing and unexpected keys are errors (default true); shape mismatches always are. */
  strict?: boolean;
  /** Use only keys under this prefix (e.g. 'G_AB.' or 'state_dict.'), with the prefix removed. */
  prefix?: string;
  /** Build this network instead of the one named by the metadata or inferred from the keys. */
  spec?: ModelSpec;
  /**
   * [height, width] recorded as the networks' inputShape when the file does not say (the seed's
   * models take it; it sizes Discriminator.outputShape only). Default [256, 256].
   */
  inputSize?: [number, number];
  /** Receives a line for each thing skipped or adjusted (ignored running stats, ...). */
  onNote?: (note: string) => void;
}

/**
 * Builds the network a weight file holds (architecture and block count from its metadata or
 * keys), loads the weights and returns it in eval mode.
 */
export async function loadModel(engine: Engine, source: WeightSource, options: LoadModelOptions = {}): Promise<CycleGANModel> {
  if (options === null || typeof options !== 'object') {
    throw new AttributeError('loadModel', 'options', 'an options object', String(options));
  }
  const { strict = true, prefix, spec, inputSize, onNote } = options;
  // The network is chosen and every tensor's shape checked against it from the shapes alone,
  // before the reader decodes (or inflates) any data and before the network is built.
  let chosen: ModelSpec | null = null;
  const weights = await readWeights(source, (shapes, metadata) => {
    let named: Record<string, { shape: number[] }> = shapes;
    if (prefix !== undefined) named = selectPrefix(named, prefix);
    named = stripDataParallel(named, []);
    chosen = spec ?? (prefix === undefined ? specFromMetadata(metadata) : null) ?? inferSpec(named, inputSize);
    let elements = 0;
    for (const k of Object.keys(named)) elements += named[k].shape.reduce((a, d) => a * d, 1);
    // A spec the caller passed is theirs to size; one the file claims is bounded by the file.
    checkShapesFit(chosen, named, { strict, maxParameters: spec ? Infinity : 2 * elements + (1 << 20) });
  });
  const notes = [...weights.notes];
  let tensors: TensorMap = weights.tensors;
  if (prefix !== undefined) tensors = selectPrefix(tensors, prefix);
  tensors = stripDataParallel(tensors, notes);
  const model = buildModel(engine, chosen!);
  try {
    const state = dropInstanceNormStats(model, tensors, notes);
    const { missingKeys, unexpectedKeys } = model.loadStateDict(state, { strict });
    if (missingKeys.length) notes.push(`missing keys left at their initial values: ${missingKeys.join(', ')}`);
    if (unexpectedKeys.length) notes.push(`unexpected keys ignored: ${unexpectedKeys.join(', ')}`);
  } catch (e) {
    model.dispose();
    throw e;
  }
  if (onNote) for (const n of notes) onNote(n);
  return model.eval();
}

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
  const { entries, metadata } = weightsToSave(source, options);
  const plain: Record<string, { data: Float32Array | ArrayLike<number>; shape: readonly number[] }> = Object.create(null);
  for (const [key, t] of Object.entries(entries)) plain[key] = t instanceof Tensor ? { data: await t.data(), shape: t.shape } : t;
  return writeSafetensors(plain, { metadata, dtype: options.dtype });
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
