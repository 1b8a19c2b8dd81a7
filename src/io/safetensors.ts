// safetensors reader and writer (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON `{ key: { dtype, shape, data_offsets },
// "__metadata__": { string: string } }`, then the raw little-endian data. Everything the
// header claims is checked against the buffer before a byte of data is read, with the same
// rules as the reference implementation: offsets tile the data section exactly (no overlap,
// no hole), and each tensor's byte count is its shape's element count times its dtype size.
import { DTYPE_SIZE, decodeToFloat32, encodeFloat32Into, isWeightDType, type WeightDType } from './dtype.js';
import { WeightFormatError } from './errors.js';
import { emptyTensorMap, safeNumel, type ShapeInspector, type TensorMap, type WeightTensor } from './tensors.js';

/** The reference implementation refuses headers above 100 MB; so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsContents {
  tensors: TensorMap;
  /** The `__metadata__` strings ({} when absent). */
  metadata: Record<string, string>;
}

export function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  // A plausible header length, the high word zero, and JSON opening right after.
  return view.getUint32(4, true) === 0 && n >= 2 && n <= bytes.length - 8 && bytes[8] === 0x7b;
}

interface Entry {
  key: string;
  dtype: WeightDType;
  shape: number[];
  begin: number;
  end: number;
}

/** Reads safetensors bytes; `inspect` sees the shapes and metadata before any tensor is decoded. */
export function readSafetensors(bytes: Uint8Array, inspect?: ShapeInspector): SafetensorsContents {
  const fail = (detail: string, offset?: number, key?: string): never => {
    throw new WeightFormatError('safetensors', detail, { offset, key });
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`, 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLen = hi * 2 ** 32 + lo;
  if (headerLen > MAX_HEADER_BYTES) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`, 0);
  if (headerLen > bytes.length - 8) {
    fail(`header length ${headerLen} runs past the end of the file (${bytes.length} bytes): truncated?`, 0);
  }
  const dataStart = 8 + headerLen;
  const dataLen = bytes.length - dataStart;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart));
  } catch {
    return fail('header is not valid UTF-8', 8);
  }
  if (!text.startsWith('{')) fail(`header must be a JSON object starting with '{'`, 8);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`, 8);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object', 8);

  const metadata: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) {
        fail('__metadata__ must be an object of strings', 8, key);
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ value of '${k}' must be a string, got ${typeof v}`, 8, key);
        metadata[k] = v as string;
      }
      continue;
    }
    entries.push(parseEntry(key, value, dataLen, fail));
  }

  // Offsets must tile [0, dataLen): sort by start and walk.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const e of sorted) {
    if (e.begin < pos) fail(`data_offsets [${e.begin}, ${e.end}] overlap the previous tensor's data`, dataStart + e.begin, e.key);
    if (e.begin > pos) fail(`data_offsets [${e.begin}, ${e.end}] leave a hole after data offset ${pos}`, dataStart + pos, e.key);
    pos = e.end;
  }
  if (pos !== dataLen) {
    fail(`the tensors cover ${pos} data bytes but the file holds ${dataLen}: truncated or padded?`, dataStart + pos);
  }

  if (inspect) {
    const shapes = Object.create(null) as Record<string, { shape: number[] }>;
    for (const e of entries) shapes[e.key] = { shape: [...e.shape] };
    inspect(shapes, metadata);
  }
  const tensors = emptyTensorMap();
  for (const e of entries) {
    const count = (e.end - e.begin) / DTYPE_SIZE[e.dtype];
    const t: WeightTensor = { data: decodeToFloat32(bytes, dataStart + e.begin, count, e.dtype), shape: e.shape, dtype: e.dtype };
    tensors[e.key] = t;
  }
  return { tensors, metadata };
}

function parseEntry(
  key: string,
  value: unknown,
  dataLen: number,
  fail: (detail: string, offset?: number, key?: string) => never,
): Entry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail('header entry must be an object with dtype, shape and data_offsets', 8, key);
  }
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isWeightDType(dtype)) {
    fail(`unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_SIZE).join(', ')})`, 8, key);
  }
  if (!Array.isArray(shape) || shape.length > 64) fail(`shape must be an array of at most 64 dims, got ${JSON.stringify(shape)}`, 8, key);
  const n = safeNumel(shape as number[]);
  if (n < 0) fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers of safe size`, 8, key);
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !Number.isSafeInteger(offsets[0]) ||
    !Number.isSafeInteger(offsets[1])
  ) {
    fail(`data_offsets must be [begin, end] integers, got ${JSON.stringify(offsets)}`, 8, key);
  }
  const [begin, end] = offsets as [number, number];
  if (begin < 0 || end < begin) fail(`data_offsets [${begin}, ${end}] are not an increasing pair`, 8, key);
  if (end > dataLen) {
    fail(`data_offsets [${begin}, ${end}] run past the end of the data (${dataLen} bytes): truncated?`, 8, key);
  }
  const size = DTYPE_SIZE[dtype as WeightDType];
  if (n * size !== end - begin) {
    fail(`shape ${JSON.stringify(shape)} of ${dtype} needs ${n * size} bytes but data_offsets give ${end - begin}`, 8, key);
  }
  return { key, dtype: dtype as WeightDType, shape: [...(shape as number[])], begin, end };
}

export interface WriteSafetensorsOptions {
  /** String metadata stored under `__metadata__`. */
  metadata?: Record<string, string>;
  /** Element type written (default F32; F16 and BF16 halve the file and round the values). */
  dtype?: 'F32' | 'F16' | 'BF16';
}

/**
 * A tensor's values, or a function that returns them when they are written: a view of memory
 * that may move between the layout and the write (the WASM heap grows), taken afresh each time.
 */
export type TensorValues = Float32Array | (() => Float32Array);

/** A file laid out but not yet written: its header (length prefix included) and where each tensor's bytes go. */
export interface SafetensorsLayout {
  /** The 8-byte header length, then the JSON header padded to 8 bytes. */
  header: Uint8Array;
  /** Each tensor's values (or where to find them when written) and the file offset and byte count of its data. */
  chunks: { values: TensorValues; at: number; bytes: number }[];
  dtype: 'F32' | 'F16' | 'BF16';
  /** The whole file's size. */
  size: number;
}

/** Checks a tensor map and lays it out as safetensors (in its key order), copying no tensor data. */
export function layoutSafetensors(
  tensors: Record<string, { data: TensorValues | ArrayLike<number>; shape: readonly number[] }>,
  { metadata = {}, dtype = 'F32' }: WriteSafetensorsOptions = {},
): SafetensorsLayout {
  const fail = (detail: string, key?: string): never => {
    throw new WeightFormatError('safetensors', detail, { key });
  };
  if (dtype !== 'F32' && dtype !== 'F16' && dtype !== 'BF16') fail(`cannot write dtype ${JSON.stringify(dtype)}; use F32, F16 or BF16`);
  const header = Object.create(null) as Record<string, unknown>;
  const meta = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') fail(`metadata value of '${k}' must be a string, got ${typeof v}`, '__metadata__');
    meta[k] = v;
  }
  if (Object.keys(meta).length) header.__metadata__ = meta;

  const chunks: SafetensorsLayout['chunks'] = [];
  let offset = 0;
  for (const [key, t] of Object.entries(tensors)) {
    if (key === '' || key === '__metadata__') fail('tensor key must be non-empty and not __metadata__', key);
    if (t === null || typeof t !== 'object') fail('value must be { data, shape }', key);
    const shape = Array.isArray(t.shape) ? [...t.shape] : null;
    const n = shape ? safeNumel(shape) : -1;
    if (!shape || n < 0) fail(`shape ${JSON.stringify(t.shape)} is not a list of non-negative integers`, key);
    const values: TensorValues | null =
      t.data instanceof Float32Array || typeof t.data === 'function' ? t.data : t.data && typeof t.data.length === 'number' ? Float32Array.from(t.data) : null;
    if (!values) fail('data must be a Float32Array or an array of numbers', key);
    const length = valuesOf(values!).length;
    if (length !== n) fail(`shape ${JSON.stringify(shape)} needs ${n} values, data has ${length}`, key);
    const bytes = length * DTYPE_SIZE[dtype];
    header[key] = { dtype, shape, data_offsets: [offset, offset + bytes] };
    chunks.push({ values: values!, at: offset, bytes });
    offset += bytes;
  }

  // Pad the JSON with spaces so the data starts 8-byte aligned, as the reference writer does.
  let json = JSON.stringify(header);
  const padded = Math.ceil((new TextEncoder().encode(json).length + 8) / 8) * 8 - 8;
  let headerBytes = new TextEncoder().encode(json);
  if (headerBytes.length < padded) {
    json += ' '.repeat(padded - headerBytes.length);
    headerBytes = new TextEncoder().encode(json);
  }
  const head = new Uint8Array(8 + headerBytes.length);
  const view = new DataView(head.buffer);
  view.setUint32(0, headerBytes.length, true);
  view.setUint32(4, Math.floor(headerBytes.length / 2 ** 32), true);
  head.set(headerBytes, 8);
  const base = head.length;
  for (const c of chunks) c.at += base;
  return { header: head, chunks, dtype, size: base + offset };
}

/**
 * The bytes of a laid-out tensor: for F32 on a little-endian host a view of its own values (no
 * copy: a file writer hands it straight to the write), otherwise a fresh encoded buffer.
 */
export function chunkBytes(layout: SafetensorsLayout, chunk: SafetensorsLayout['chunks'][number]): Uint8Array {
  const values = valuesOf(chunk.values);
  if (values.length * DTYPE_SIZE[layout.dtype] !== chunk.bytes) {
    throw new WeightFormatError('safetensors', `a tensor's values changed size after the layout (${values.length} values for ${chunk.bytes} bytes)`);
  }
  if (layout.dtype === 'F32' && LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(chunk.bytes);
  encodeFloat32Into(values, layout.dtype, out);
  return out;
}

const valuesOf = (v: TensorValues): Float32Array => (typeof v === 'function' ? v() : v);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Serialises a tensor map (in its key order) as safetensors bytes. */
export function writeSafetensors(
  tensors: Record<string, { data: Float32Array | ArrayLike<number>; shape: readonly number[] }>,
  options: WriteSafetensorsOptions = {},
): Uint8Array {
  return layoutBytes(layoutSafetensors(tensors, options));
}

/** A laid-out file as one buffer (what writeSafetensors returns). */
export function layoutBytes(layout: SafetensorsLayout): Uint8Array {
  const out = new Uint8Array(layout.size);
  out.set(layout.header, 0);
  for (const c of layout.chunks) encodeFloat32Into(valuesOf(c.values), layout.dtype, out.subarray(c.at, c.at + c.bytes));
  return out;
}
