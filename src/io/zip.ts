// A bounded zip reader for torch's `.pth` archives. torch writes STORED entries (64-byte
// aligned); DEFLATE is read through the platform's DecompressionStream('deflate-raw') when
// one exists, and refused with a typed error naming the entry otherwise. Every size and
// offset from the file is checked before use: the central directory lies inside the file,
// entries lie before it and do not overlap, a STORED entry's sizes agree, a DEFLATE entry
// never expands past its declared size (so a zip bomb stops at the first surplus byte),
// and each entry's CRC-32 is verified, so a flipped byte in tensor data is caught.
import { WeightFormatError } from './errors.js';

export interface ZipEntry {
  name: string;
  /** 0 STORED, 8 DEFLATE */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Offset of the entry's local header. */
  headerOffset: number;
  /** Offset of the entry's (compressed) data. */
  dataOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_ENTRIES = 1_000_000;
// DEFLATE cannot expand more than about 1032:1; a declared size beyond that is a lie.
const MAX_DEFLATE_RATIO = 1032;

function fail(detail: string, offset?: number, entry?: string): never {
  throw new WeightFormatError('zip', detail, { offset, entry });
}

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

export class ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** Bytes produced by DEFLATE so far, over all reads: what inflation actually cost. */
  inflatedBytes = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.entries = readCentralDirectory(bytes);
  }

  /**
   * The entry's uncompressed bytes (a view into the file for STORED entries). With
   * `expectedSize` (what the entry must hold, e.g. a storage's numel x dtype size), an entry
   * declaring another size is refused before a byte is inflated, and inflation stops at the
   * first byte past it, so a lying entry costs at most one output chunk beyond what was expected.
   */
  async read(name: string, expectedSize?: number): Promise<Uint8Array> {
    const e = this.entries.get(name);
    if (!e) fail('no such entry in the archive', undefined, name);
    if (expectedSize !== undefined && e.size !== expectedSize) {
      fail(`declares ${e.size} bytes; the data it holds needs exactly ${expectedSize}`, e.dataOffset, name);
    }
    const raw = this.bytes.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
    const data = e.method === 0 ? raw : await inflateBounded(raw, e, (n) => (this.inflatedBytes += n));
    const crc = crc32(data);
    if (crc !== e.crc32) {
      fail(`CRC-32 mismatch (stored ${hex(e.crc32)}, computed ${hex(crc)}): the entry is corrupt`, e.dataOffset, name);
    }
    return data;
  }
}

function readCentralDirectory(bytes: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  // The end record is 22 bytes plus a comment of up to 65535: scan backwards for it.
  let eocd = -1;
  for (let p = len - 22; p >= 0 && p >= len - 22 - 0xffff; p--) {
    if (view.getUint32(p, true) === EOCD_SIG && p + 22 + view.getUint16(p + 20, true) === len) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record: the file is truncated or not a zip archive', len);

  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  let cdLimit = eocd; // the central directory must end before the record that describes it
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // ZIP64: a locator right before the end record points at the 64-bit end record.
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) fail('ZIP64 sizes without a ZIP64 locator', Math.max(loc, 0));
    const z = u64(view, loc + 8, loc + 8);
    if (z > loc - 56 || view.getUint32(z, true) !== ZIP64_EOCD_SIG) fail('ZIP64 end record missing or out of bounds', loc + 8);
    count = u64(view, z + 32, z + 32);
    cdSize = u64(view, z + 40, z + 40);
    cdOffset = u64(view, z + 48, z + 48);
    cdLimit = z;
  }
  if (cdOffset > cdLimit || cdSize > cdLimit - cdOffset) {
    fail(`central directory [${cdOffset}, +${cdSize}) lies outside the file: truncated?`, eocd + 12);
  }
  if (count > MAX_ENTRIES || count * 46 > cdSize) fail(`entry count ${count} does not fit the central directory`, eocd + 10);

  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder('utf-8');
  let p = cdOffset;
  const cdEnd = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdEnd || view.getUint32(p, true) !== CENTRAL_SIG) fail(`central directory entry ${i} is malformed`, p);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let headerOffset = view.getUint32(p + 42, true);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cdEnd) fail(`central directory entry ${i} runs past the directory`, p);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field: 64-bit values for exactly the fields saturated at 0xffffffff.
    const ex = findExtra(view, p + 46 + nameLen, extraLen, 0x0001);
    if (ex) {
      let q = ex.start;
      const take = (): number => {
        if (q + 8 > ex.end) fail('ZIP64 extra field too short', q, name);
        const v = u64(view, q, q);
        q += 8;
        return v;
      };
      if (size === 0xffffffff) size = take();
      if (compressedSize === 0xffffffff) compressedSize = take();
      if (headerOffset === 0xffffffff) headerOffset = take();
    }
    if (flags & 1) fail('encrypted entries are not supported', p, name);
    if (method !== 0 && method !== 8) fail(`compression method ${method} is not supported (only STORED and DEFLATE)`, p + 10, name);
    if (entries.has(name)) fail('duplicate entry name', p, name);
    if (headerOffset > cdOffset - 30) fail(`local header offset ${headerOffset} lies outside the entries`, p + 42, name);
    if (view.getUint32(headerOffset, true) !== LOCAL_SIG) fail('local header signature missing', headerOffset, name);
    const localNameLen = view.getUint16(headerOffset + 26, true);
    const localExtraLen = view.getUint16(headerOffset + 28, true);
    const dataOffset = headerOffset + 30 + localNameLen + localExtraLen;
    if (dataOffset > cdOffset || compressedSize > cdOffset - dataOffset) {
      fail(`entry data [${dataOffset}, +${compressedSize}) runs into the central directory: truncated?`, headerOffset, name);
    }
    if (localNameLen !== nameLen || decoder.decode(bytes.subarray(headerOffset + 30, headerOffset + 30 + nameLen)) !== name) {
      fail('local header names a different entry than the central directory', headerOffset + 30, name);
    }
    if (method === 0 && compressedSize !== size) {
      fail(`STORED entry with compressed size ${compressedSize} != size ${size}`, p + 20, name);
    }
    if (method === 8 && size > compressedSize * MAX_DEFLATE_RATIO + 1024) {
      fail(`DEFLATE entry claims ${size} bytes from ${compressedSize}: beyond any real compression ratio`, p + 24, name);
    }
    entries.set(name, { name, method, crc32: crc, compressedSize, size, headerOffset, dataOffset });
    p = next;
  }

  // Entries (local header through data) must not overlap: each byte belongs to one entry.
  const spans = [...entries.values()].sort((a, b) => a.headerOffset - b.headerOffset);
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1];
    if (spans[i].headerOffset < prev.dataOffset + prev.compressedSize) {
      fail(`entry overlaps '${prev.name}'`, spans[i].headerOffset, spans[i].name);
    }
  }
  return entries;
}

function findExtra(view: DataView, start: number, len: number, id: number): { start: number; end: number } | null {
  let q = start;
  const end = start + len;
  while (q + 4 <= end) {
    const tag = view.getUint16(q, true);
    const size = view.getUint16(q + 2, true);
    if (q + 4 + size > end) return null;
    if (tag === id) return { start: q + 4, end: q + 4 + size };
    q += 4 + size;
  }
  return null;
}

function u64(view: DataView, at: number, offset: number): number {
  if (at + 8 > view.byteLength) fail('8-byte field runs past the end of the file', offset);
  const v = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
  if (!Number.isSafeInteger(v)) fail('64-bit size beyond 2^53', offset);
  return v;
}

async function inflateBounded(raw: Uint8Array, e: ZipEntry, count: (bytes: number) => void): Promise<Uint8Array> {
  const DS = (globalThis as { DecompressionStream?: new (format: string) => TransformStream<Uint8Array, Uint8Array> })
    .DecompressionStream;
  let stream: TransformStream<Uint8Array, Uint8Array>;
  try {
    if (!DS) throw new Error('absent');
    stream = new DS('deflate-raw');
  } catch {
    return fail('DEFLATE entries need DecompressionStream("deflate-raw"), which this platform lacks', e.dataOffset, e.name);
  }
  // Chunks are kept as they come, so memory follows the bytes actually inflated, never a
  // size the file merely declares; inflation stops at the first byte past the declared size.
  const chunks: Uint8Array[] = [];
  let filled = 0;
  const writer = stream.writable.getWriter();
  // Write and close without awaiting: the reader below drives the stream (it inflates only as
  // chunks are read, so cancelling stops it); errors surface there.
  writer.write(raw).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      count(value.length);
      if (value.length > e.size - filled) {
        void reader.cancel().catch(() => {});
        fail(`inflates past its declared size of ${e.size} bytes`, e.dataOffset, e.name);
      }
      chunks.push(value);
      filled += value.length;
    }
  } catch (err) {
    if (err instanceof WeightFormatError) throw err;
    fail(`DEFLATE data is corrupt (${(err as Error)?.message ?? String(err)})`, e.dataOffset, e.name);
  }
  if (filled !== e.size) fail(`inflates to ${filled} bytes, declared ${e.size}`, e.dataOffset, e.name);
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(filled);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

let CRC_TABLE: Uint32Array | null = null;

export function crc32(data: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  const t = CRC_TABLE;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
