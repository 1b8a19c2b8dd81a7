// Test-only writers for hand-made weight files: a pickle of a small state_dict (the opcodes
// torch writes), a zip archive with chosen (possibly lying) sizes, and the legacy stream.
// They let tests build exactly the malformed or unusual file a case needs, without torch.
import { constants as zlibConstants, deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/io/zip.js';

export const enc = (s: string): number[] => [...new TextEncoder().encode(s)];
const u16 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff];
const u32 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const u64 = (n: number): number[] => [...u32(n % 2 ** 32), ...u32(Math.floor(n / 2 ** 32))];
const str = (s: string): number[] => [0x58, ...u32(enc(s).length), ...enc(s)];
const int = (n: number): number[] => (n < 256 ? [0x4b, n] : [0x4a, ...u32(n)]);
const tuple = (items: number[][]): number[] => [0x28, ...items.flat(), 0x74];

export interface PickledTensor {
  key: string;
  storage: string;
  storageType?: string; // FloatStorage
  numel: number;
  offset?: number;
  size: number[];
  stride?: number[];
  /** legacy only: (view key, offset, size) */
  view?: [string, number, number];
}

/** A state_dict pickle: OrderedDict of _rebuild_tensor_v2(persistent storage, ...). */
export function pickleStateDict(tensors: PickledTensor[], legacy: boolean): Uint8Array {
  const out: number[] = [0x80, 2, 0x63, ...enc('collections\nOrderedDict\n'), 0x29, 0x52];
  for (const t of tensors) {
    const stride = t.stride ?? t.size.map((_, i) => t.size.slice(i + 1).reduce((a, b) => a * b, 1));
    const pid = [
      str('storage'),
      [0x63, ...enc(`torch\n${t.storageType ?? 'FloatStorage'}\n`)],
      str(t.storage),
      str('cpu'),
      int(t.numel),
      ...(legacy ? [t.view ? tuple([str(t.view[0]), int(t.view[1]), int(t.view[2])]) : [0x4e]] : []),
    ];
    out.push(...str(t.key), 0x63, ...enc('torch._utils\n_rebuild_tensor_v2\n'));
    out.push(
      ...tuple([
        [...tuple(pid), 0x51],
        int(t.offset ?? 0),
        tuple(t.size.map(int)),
        tuple(stride.map(int)),
        [0x89],
        [0x63, ...enc('collections\nOrderedDict\n'), 0x29, 0x52],
      ]),
      0x52,
      0x73,
    );
  }
  out.push(0x2e);
  return Uint8Array.from(out);
}

export interface ZipItem {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Lie about the uncompressed size. */
  declaredSize?: number;
  /** Lie about the CRC. */
  crc?: number;
  /** Already DEFLATE'd bytes, stored as they are (method 8); `declaredSize` then says what they inflate to. */
  compressed?: Uint8Array;
}

/** Concatenates byte arrays (no argument spreading: bodies can be large). */
function concat(parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A zip archive; sizes and CRCs are computed unless a test overrides them. With `zip64`, the
 * central directory and end record use the ZIP64 forms a > 4 GiB checkpoint needs (every
 * 32-bit field saturated, real values in ZIP64 extra fields and the ZIP64 end record).
 */
export function writeZip(items: ZipItem[], { zip64 = false }: { zip64?: boolean } = {}): Uint8Array {
  const local: Uint8Array[] = [];
  let localLen = 0;
  const central: number[] = [];
  for (const it of items) {
    const body = it.compressed ?? (it.deflate ? new Uint8Array(deflateRawSync(it.data)) : it.data);
    const method = it.deflate || it.compressed ? 8 : 0;
    const size = it.declaredSize ?? it.data.length;
    const crc = it.crc ?? (it.compressed ? 0 : crc32(it.data));
    const name = enc(it.name);
    const offset = localLen;
    const common = [...u16(20), ...u16(0x800), ...u16(method), ...u16(0), ...u16(0), ...u32(crc), ...u32(body.length), ...u32(size), ...u16(name.length)];
    const header = Uint8Array.from([...u32(0x04034b50), ...common, ...u16(0), ...name]);
    local.push(header, body);
    localLen += header.length + body.length;
    if (zip64) {
      const c64 = [...u16(45), ...u16(0x800), ...u16(method), ...u16(0), ...u16(0), ...u32(crc), ...u32(0xffffffff), ...u32(0xffffffff), ...u16(name.length)];
      const extra = [...u16(1), ...u16(24), ...u64(size), ...u64(body.length), ...u64(offset)];
      central.push(...u32(0x02014b50), ...u16(45), ...c64, ...u16(extra.length), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(0xffffffff), ...name, ...extra);
    } else {
      central.push(...u32(0x02014b50), ...u16(20), ...common, ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(offset), ...name);
    }
  }
  if (zip64) {
    const z = localLen + central.length;
    const rec = [...u32(0x06064b50), ...u64(44), ...u16(45), ...u16(45), ...u32(0), ...u32(0), ...u64(items.length), ...u64(items.length), ...u64(central.length), ...u64(localLen)];
    const loc = [...u32(0x07064b50), ...u32(0), ...u64(z), ...u32(1)];
    const end = [...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(0xffff), ...u16(0xffff), ...u32(0xffffffff), ...u32(0xffffffff), ...u16(0)];
    return concat([...local, central, rec, loc, end]);
  }
  const eocd = [...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(items.length), ...u16(items.length), ...u32(central.length), ...u32(localLen), ...u16(0)];
  return concat([...local, central, eocd]);
}

/**
 * Raw DEFLATE bytes that inflate to `mib` MiB of zeros, about 1 KB per MiB, built without ever
 * holding the output: one MiB compressed with a full flush (blocks that refer only to
 * themselves, byte-aligned) repeated, then an empty final block. 1024 MiB -> ~1 MB.
 */
export function deflateZeros(mib: number): Uint8Array {
  const one = deflateRawSync(new Uint8Array(1 << 20), { finishFlush: zlibConstants.Z_FULL_FLUSH });
  const out = new Uint8Array(one.length * mib + 2);
  for (let i = 0; i < mib; i++) out.set(one, i * one.length);
  out.set([0x03, 0x00], one.length * mib); // final fixed-Huffman block holding only end-of-block
  return out;
}

/** Float32 values as little- or big-endian bytes. */
export function f32Bytes(values: number[], littleEndian = true): Uint8Array {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(i * 4, x, littleEndian));
  return b;
}

/** A torch >= 1.6 archive of float32 storages under `root/`. */
export function zipPth(root: string, tensors: PickledTensor[], storages: Record<string, number[]>, bigEndian = false): Uint8Array {
  const items: ZipItem[] = [{ name: `${root}/data.pkl`, data: pickleStateDict(tensors, false) }];
  if (bigEndian) items.push({ name: `${root}/byteorder`, data: Uint8Array.from(enc('big')) });
  for (const [key, values] of Object.entries(storages)) items.push({ name: `${root}/data/${key}`, data: f32Bytes(values, !bigEndian) });
  items.push({ name: `${root}/version`, data: Uint8Array.from(enc('3\n')) });
  return writeZip(items);
}

/** A legacy stream: magic, protocol, sys info, object, storage keys, then the storages. */
export function legacyPth(tensors: PickledTensor[], storages: Record<string, number[]>): Uint8Array {
  const magic = [0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
  const proto = [0x80, 2, 0x4d, ...u16(1001), 0x2e];
  const sys = [0x80, 2, 0x7d, 0x28, ...str('little_endian'), 0x88, 0x75, 0x2e];
  const keys = [0x80, 2, 0x5d, 0x28, ...Object.keys(storages).flatMap(str), 0x65, 0x2e];
  const data = Object.values(storages).flatMap((v) => [...u64(v.length), ...f32Bytes(v)]);
  return Uint8Array.from([...magic, ...proto, ...sys, ...pickleStateDict(tensors, true), ...keys, ...data]);
}
