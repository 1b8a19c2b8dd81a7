// Element types a weight file may hold, and their conversion to the float32 this engine
// computes in. Names are safetensors' (F32, F16, ...); torch storage classes map onto them.
// Reading goes through DataView when the file's byte order differs from the host's, so a
// big-endian file (torch's `byteorder` record) or host reads correctly.

export type WeightDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_SIZE: Readonly<Record<WeightDType, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export function isWeightDType(s: unknown): s is WeightDType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_SIZE, s);
}

/** torch storage class name (as pickled: `torch.FloatStorage`) -> element type. */
export const TORCH_STORAGE_DTYPE: Readonly<Record<string, WeightDType>> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reads `count` elements of `dtype` starting at `byteOffset` of `bytes` as float32. Caller bounds-checks. */
export function decodeToFloat32(
  bytes: Uint8Array,
  byteOffset: number,
  count: number,
  dtype: WeightDType,
  littleEndian = true,
): Float32Array {
  const out = new Float32Array(count);
  if (count === 0) return out;
  const start = bytes.byteOffset + byteOffset;
  if (dtype === 'F32' && littleEndian === HOST_LITTLE_ENDIAN) {
    // Fast path: one copy, whatever the source alignment.
    new Uint8Array(out.buffer).set(bytes.subarray(byteOffset, byteOffset + count * 4));
    return out;
  }
  const view = new DataView(bytes.buffer, start, count * DTYPE_SIZE[dtype]);
  const le = littleEndian;
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, le);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, le);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, le));
      break;
    case 'BF16': {
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u32[i] = view.getUint16(i * 2, le) << 16;
      break;
    }
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, le));
      break;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, le);
      break;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, le);
      break;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(i);
      break;
    case 'U8':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      break;
    case 'BOOL':
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i) !== 0 ? 1 : 0;
      break;
  }
  return out;
}

/** IEEE 754 binary16 bits -> number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** number -> IEEE 754 binary16 bits, rounding to nearest even (like torch's .half()). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow -> inf
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in, then round to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // a carry into the exponent is still right
  return sign | half;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Float32 values -> little-endian bytes of `dtype` (F32, F16 or BF16). */
export function encodeFloat32(values: Float32Array, dtype: 'F32' | 'F16' | 'BF16'): Uint8Array {
  const out = new Uint8Array(values.length * DTYPE_SIZE[dtype]);
  encodeFloat32Into(values, dtype, out);
  return out;
}

/**
 * encodeFloat32 into `out` (exactly values.length x the dtype's size bytes, any offset): a
 * writer that lays many tensors into one buffer copies each once.
 */
export function encodeFloat32Into(values: Float32Array, dtype: 'F32' | 'F16' | 'BF16', out: Uint8Array): void {
  const n = values.length;
  // Float32Array bytes are already little-endian F32 on a little-endian host (every one this
  // runs on in practice): one copy instead of a DataView call per value, which took over a
  // second for a 256x256 training checkpoint (324 MiB), much of a Ctrl-C's stop time.
  if (dtype === 'F32' && LITTLE_ENDIAN) {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (dtype === 'F32') {
    for (let i = 0; i < n; i++) view.setFloat32(i * 4, values[i], true);
  } else if (dtype === 'F16') {
    for (let i = 0; i < n; i++) view.setUint16(i * 2, floatToHalf(values[i]), true);
  } else {
    for (let i = 0; i < n; i++) {
      f32[0] = values[i];
      const b = u32[0];
      // Round to nearest even on the dropped 16 bits; keep NaN a NaN.
      const r = (b & 0x7fffffff) > 0x7f800000 ? (b >>> 16) | 0x40 : (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
      view.setUint16(i * 2, r & 0xffff, true);
    }
  }
}
