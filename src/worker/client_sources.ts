// Main-thread side of weight and checkpoint sources, and of datasets: both turned into what
// can cross into the worker. Bytes are transferred; a Response is read here; a relative URL is
// resolved against the page (a worker would resolve it against its own script); paths are left
// to the worker, which shares the process's working directory in Node.
import { AttributeError } from '../errors.js';
import { BuiltinDataset } from '../data/builtin.js';
import type { DatasetOptions } from '../data/dataset.js';
import type { BuiltinDatasetOptions } from '../data/builtin.js';
import type { FolderDatasetOptions } from '../data/folder.js';
import { pixelsOf, type WorkerImage, type TransferList } from './client_images.js';
import type { DatasetDescription, WireSource } from './protocol.js';

/** A weight file or checkpoint: bytes, a Blob/File, a fetch Response, a URL, or a path (Node). */
export type SourceInput = ArrayBuffer | ArrayBufferView | Blob | Response | URL | string;

/**
 * A dataset for a worker's fit(): a description the worker builds the dataset from, or a
 * BuiltinDataset (whose description is read from it).
 */
export type DatasetInput =
  | ({ kind: 'builtin' } & BuiltinDatasetOptions)
  | { kind: 'images'; A: readonly (WorkerImage | Float32Array)[]; B: readonly (WorkerImage | Float32Array)[]; options?: DatasetOptions }
  | ({ kind: 'folder'; root: string } & FolderDatasetOptions)
  | BuiltinDataset;

function baseUrl(): string | null {
  const g = globalThis as { document?: { baseURI?: string }; location?: { href?: string } };
  return g.document?.baseURI ?? g.location?.href ?? null;
}

export async function encodeSource(source: SourceInput, list: TransferList, op: string, arg: string): Promise<WireSource> {
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return list.takeBytes(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return source; // cloned by reference, not by bytes
  if (typeof Response !== 'undefined' && source instanceof Response) {
    const bytes = new Uint8Array(await source.arrayBuffer());
    list.buffers.add(bytes.buffer as ArrayBuffer);
    return bytes;
  }
  if (source instanceof URL) return source.href;
  if (typeof source === 'string') {
    const base = baseUrl();
    // In a page, "models/g.safetensors" means relative to the page, not to the worker's script.
    return base && !/^[a-z][a-z0-9+.-]*:/i.test(source) ? new URL(source, base).href : source;
  }
  throw new AttributeError(op, arg, 'bytes (ArrayBuffer, Uint8Array), a Blob, a Response, a URL or a file path', typeof source);
}

async function encodeImages(images: readonly (WorkerImage | Float32Array)[], list: TransferList, op: string, arg: string) {
  if (!Array.isArray(images)) throw new AttributeError(op, arg, 'an array of images', typeof images);
  return Promise.all(images.map((img, i) => (img instanceof Float32Array ? list.take(img) : pixelsOf(img, list, op, `${arg}[${i}]`))));
}

export async function encodeDataset(dataset: DatasetInput, list: TransferList, op: string, arg: string): Promise<DatasetDescription> {
  if (dataset instanceof BuiltinDataset) {
    return {
      kind: 'builtin',
      seed: dataset.seed,
      mode: dataset.mode,
      size: dataset.length,
      imgHeight: dataset.height,
      imgWidth: dataset.width,
      channels: dataset.channels as 1 | 3,
      unaligned: dataset.unaligned,
    };
  }
  const kind = (dataset as { kind?: unknown } | null)?.kind;
  if (kind === 'images') {
    const d = dataset as Extract<DatasetInput, { kind: 'images' }>;
    return { kind: 'images', A: await encodeImages(d.A, list, op, `${arg}.A`), B: await encodeImages(d.B, list, op, `${arg}.B`), options: d.options };
  }
  if (kind === 'builtin' || kind === 'folder') return { ...(dataset as DatasetDescription) };
  throw new AttributeError(
    op,
    arg,
    "a dataset description ({ kind: 'builtin', ... }, { kind: 'images', A, B }, { kind: 'folder', root }) or a BuiltinDataset: a dataset object cannot cross into a worker",
    kind === undefined ? (dataset as object)?.constructor?.name ?? typeof dataset : JSON.stringify(kind),
  );
}
