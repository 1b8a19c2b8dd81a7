// Deterministic "hash weights" for whole-model conformance tests. TypeScript twin of
// hash_weights() in test/fixtures/make_fixtures.py: both sides derive bit-identical weights
// from (key index, element index) with 32-bit integer arithmetic, so no weight file is committed.
//
//   hash32(x)   = lowbias32: x ^= x >>> 16; x *= 0x7feb352d; x ^= x >>> 15; x *= 0x846ca68b; x ^= x >>> 16 (mod 2^32)
//   h(k, i)     = hash32(i XOR hash32((k + 0x9e3779b9) mod 2^32))   k: index of the key in state_dict order
//   value[k][i] = float32(scale_k * (h(k, i) / 2^32 - 0.5))           (float64 arithmetic, then rounded)
//   scale_k     = 2 / sqrt(fanIn) for a conv weight [out, in, kh, kw] (fanIn = in*kh*kw); 0.1 for a bias

export function hash32(x: number): number {
  x >>>= 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The 32-bit hash of element `index` of the tensor at position `keyIndex` of the state dict. */
export function weightHash(keyIndex: number, index: number): number {
  const seed = hash32((keyIndex + 0x9e3779b9) >>> 0);
  return hash32((index ^ seed) >>> 0);
}

/** The scale of a state-dict tensor: 2/sqrt(fanIn) for conv weights, 0.1 for biases. */
export function weightScale(key: string, shape: readonly number[]): number {
  if (key.endsWith('.weight') && shape.length === 4) return 2 / Math.sqrt(shape[1] * shape[2] * shape[3]);
  if (key.endsWith('.bias') && shape.length === 1) return 0.1;
  throw new Error(`no hash-weight scale rule for ${key} [${shape.join(', ')}]`);
}

/** The values of one state-dict tensor. */
export function hashWeights(keyIndex: number, key: string, shape: readonly number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const scale = weightScale(key, shape);
  const seed = hash32((keyIndex + 0x9e3779b9) >>> 0);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * (hash32((i ^ seed) >>> 0) / 4294967296 - 0.5);
  return out;
}

/** A whole state dict ({ key: { data, shape } }) for keys given in state_dict order. */
export function hashStateDict(
  keys: readonly { key: string; shape: readonly number[] }[],
): Record<string, { data: Float32Array; shape: number[] }> {
  const sd: Record<string, { data: Float32Array; shape: number[] }> = {};
  keys.forEach(({ key, shape }, k) => {
    sd[key] = { data: hashWeights(k, key, shape), shape: [...shape] };
  });
  return sd;
}

/** Sum of the float32 bit patterns mod 2^32 (the fixture stores it per tensor). */
export function float32Checksum(values: Float32Array): number {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  let s = 0;
  for (let i = 0; i < bits.length; i++) s = (s + bits[i]) >>> 0;
  return s;
}
