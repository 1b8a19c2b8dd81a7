// safetensors reader/writer: exact round trips, half-precision widening and narrowing, metadata,
// and a typed error (with offset or key) for each way a file can lie about itself.
import { describe, expect, it } from 'vitest';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { floatToHalf, halfToFloat } from '../../src/io/dtype.js';
import { loadWeights, detectFormat } from '../../src/io/load.js';
import { saveWeights } from '../../src/cyclegan/weights/save.js';
import { WeightFormatError, WeightSourceError } from '../../src/io/errors.js';

/** Builds a safetensors file from a header object and a data section, as an attacker would. */
function craft(header: unknown, data: Uint8Array = new Uint8Array(0), headerLen?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, headerLen ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

function expectFormatError(fn: () => unknown, match: RegExp, place: { offset?: number; key?: string } = {}): WeightFormatError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(WeightFormatError);
  const e = err as WeightFormatError;
  expect(e.message).toMatch(match);
  if ('offset' in place) expect(e.offset).toBe(place.offset);
  if ('key' in place) expect(e.key).toBe(place.key);
  return e;
}

describe('safetensors round trip', () => {
  const r = rng(1);
  const tensors = {
    'model.1.weight': { data: Float32Array.from({ length: 2 * 3 * 3 * 3 }, () => r() * 2 - 1), shape: [2, 3, 3, 3] },
    'model.1.bias': { data: Float32Array.from([0.5, -1e-30]), shape: [2] },
    scalar: { data: Float32Array.from([Math.PI]), shape: [] },
    empty: { data: new Float32Array(0), shape: [0, 4] },
  };

  it('F32 is bit-exact, keeps key order, shapes and metadata, and aligns data to 8 bytes', async () => {
    const bytes = writeSafetensors(tensors, { metadata: { kind: 'x', note: 'héllo' } });
    const headerLen = new DataView(bytes.buffer).getUint32(0, true);
    expect((8 + headerLen) % 8).toBe(0);
    expect(detectFormat(bytes)).toBe('safetensors');
    const back = await loadWeights(bytes);
    expect(back.format).toBe('safetensors');
    expect(Object.keys(back.tensors)).toEqual(Object.keys(tensors));
    for (const [k, t] of Object.entries(tensors)) {
      expect(back.tensors[k].shape).toEqual(t.shape);
      expect(back.tensors[k].data).toEqual(t.data);
    }
    expect(back.metadata).toEqual({ kind: 'x', note: 'héllo' });
  });

  it('F16 and BF16 halve the data and round to nearest even; reading widens them to f32', () => {
    const values = Float32Array.from([1, -2.25, 65504, 0.1, 2 ** -24, 1e5, -0, 3.14159]);
    const f16 = readSafetensors(writeSafetensors({ v: { data: values, shape: [8] } }, { dtype: 'F16' })).tensors.v;
    expect(f16.dtype).toBe('F16');
    expect(Array.from(f16.data)).toEqual([1, -2.25, 65504, 0.0999755859375, 2 ** -24, Infinity, -0, 3.140625]);
    const bf16 = readSafetensors(writeSafetensors({ v: { data: values, shape: [8] } }, { dtype: 'BF16' })).tensors.v;
    expect(Array.from(bf16.data)).toEqual([1, -2.25, 65536, 0.10009765625, 2 ** -24, 99840, -0, 3.140625]);
  });

  it('half conversions agree bit for bit over every finite half', () => {
    const wrong: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const x = halfToFloat(h);
      if (!Number.isNaN(x) && floatToHalf(x) !== h) wrong.push(h);
    }
    expect(wrong).toEqual([]);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('saveWeights accepts a plain tensor map and refuses a mis-sized one with the key', () => {
    expect(readSafetensors(saveWeights({ a: { data: [1, 2], shape: [2] } })).tensors.a.data).toEqual(Float32Array.from([1, 2]));
    expectFormatError(() => saveWeights({ a: { data: [1, 2, 3], shape: [2] } }), /needs 2 values/, { key: 'a' });
  });

  it('a __proto__ key is a plain key and pollutes nothing', () => {
    const bytes = craft('{"__proto__": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', new Uint8Array(4));
    const { tensors } = readSafetensors(bytes);
    expect(Object.keys(tensors)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
  });
});

describe('safetensors defensive parsing', () => {
  const good = writeSafetensors({ a: { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] }, b: { data: Float32Array.from([5]), shape: [1] } });
  const entry = (begin: number, end: number, shape = [1], dtype = 'F32'): object => ({ dtype, shape, data_offsets: [begin, end] });

  it('a truncated file is an error at every cut', () => {
    for (let n = 0; n < good.length; n++) {
      expect(() => readSafetensors(good.subarray(0, n)), `cut at ${n}`).toThrow(WeightFormatError);
    }
  });

  it('header length beyond the file or the 100 MB limit', () => {
    expectFormatError(() => readSafetensors(craft({}, undefined, 1000)), /runs past the end/, { offset: 0 });
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(4, 1, true);
    expectFormatError(() => readSafetensors(huge), /exceeds/, { offset: 0 });
  });

  it('header that is not a JSON object', () => {
    expectFormatError(() => readSafetensors(craft('{"a": ')), /not valid JSON/, { offset: 8 });
    expectFormatError(() => readSafetensors(craft('[1, 2]')), /starting with '\{'/, { offset: 8 });
    expectFormatError(() => readSafetensors(craft({ a: 5 })), /must be an object/, { key: 'a' });
    const bad = craft('{"a":"\u0000"}');
    bad[12] = 0xff;
    expectFormatError(() => readSafetensors(bad), /UTF-8/, { offset: 8 });
  });

  it('dtype, shape and data_offsets are each checked, naming the key', () => {
    const d = new Uint8Array(8);
    expectFormatError(() => readSafetensors(craft({ w: entry(0, 8, [2], 'Q8') }, d)), /unsupported dtype "Q8"/, { key: 'w' });
    expectFormatError(() => readSafetensors(craft({ w: entry(0, 8, [-2]) }, d)), /non-negative integers/, { key: 'w' });
    expectFormatError(() => readSafetensors(craft({ w: entry(0, 8, [2 ** 40, 2 ** 40]) }, d)), /safe size/, { key: 'w' });
    expectFormatError(() => readSafetensors(craft({ w: entry(0, 8, [3]) }, d)), /needs 12 bytes but data_offsets give 8/, { key: 'w' });
    expectFormatError(() => readSafetensors(craft({ w: entry(0, 16, [4]) }, d)), /run past the end of the data/, { key: 'w' });
    expectFormatError(() => readSafetensors(craft({ w: entry(8, 0, [0]) }, d)), /increasing/, { key: 'w' });
    expectFormatError(() => readSafetensors(craft({ w: { dtype: 'F32', shape: [2], data_offsets: [0, '8'] } }, d)), /data_offsets/, { key: 'w' });
  });

  it('overlapping and non-tiling offsets', () => {
    const d = new Uint8Array(8);
    expectFormatError(() => readSafetensors(craft({ a: entry(0, 4), b: entry(0, 4) }, d)), /overlap/);
    expectFormatError(() => readSafetensors(craft({ a: entry(0, 4), b: entry(2, 6) }, d)), /overlap/);
    expectFormatError(() => readSafetensors(craft({ a: entry(4, 8) }, d)), /hole/);
    expectFormatError(() => readSafetensors(craft({ a: entry(0, 4) }, d)), /cover 4 data bytes but the file holds 8/);
  });

  it('__metadata__ must hold strings', () => {
    expectFormatError(() => readSafetensors(craft({ __metadata__: { a: 1 } })), /must be a string/, { key: '__metadata__' });
  });
});

describe('weight sources', () => {
  const file = writeSafetensors({ w: { data: Float32Array.from([1, -2, 3]), shape: [3] } });

  it('bytes at a non-zero offset of a larger buffer, an ArrayBuffer, a Blob and a Response all read the same', async () => {
    const big = new Uint8Array(file.length + 13);
    big.set(file, 13);
    for (const source of [big.subarray(13), file.slice().buffer, new Blob([file as Uint8Array<ArrayBuffer>]), new Response(file as Uint8Array<ArrayBuffer>)]) {
      const { tensors } = await loadWeights(source);
      expect(Array.from(tensors.w.data)).toEqual([1, -2, 3]);
    }
  });

  it('a failed response, a missing file and an unsupported value are WeightSourceErrors', async () => {
    await expect(loadWeights(new Response('nope', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(WeightSourceError);
    await expect(loadWeights('/nonexistent/latest_net_G.pth')).rejects.toThrow(/latest_net_G\.pth.*ENOENT/);
    await expect(loadWeights(42 as never)).rejects.toThrow(WeightSourceError);
  });
});
