// The generic entry point: loadWeights (any supported file -> plain tensors) and the
// container detection it uses. The format is read from the bytes, never from a file name.
// Building a network from a file (loadModel) and saving one (saveWeights) live with the
// networks, in src/cyclegan/weights/.
import { WeightFormatError } from './errors.js';
import { isLegacyPth, readPthLegacy, readPthZip } from './pth.js';
import { isSafetensors, readSafetensors } from './safetensors.js';
import { readSource, type WeightSource } from './source.js';
import type { ShapeInspector, TensorMap } from './tensors.js';
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

/**
 * loadWeights with a look at every tensor's shape before any data is inflated or decoded
 * (loadModel checks the shapes against the network it will build).
 */
export async function readWeights(source: WeightSource, inspect?: ShapeInspector): Promise<LoadedWeights> {
  const bytes = await readSource(source);
  const format = detectFormat(bytes);
  if (format === 'safetensors') {
    const { tensors, metadata } = readSafetensors(bytes, inspect);
    return { tensors, metadata, format, notes: [] };
  }
  const { tensors, metadata, notes } = format === 'pth-zip' ? await readPthZip(bytes, inspect) : readPthLegacy(bytes, inspect);
  return { tensors, metadata, format, notes };
}
