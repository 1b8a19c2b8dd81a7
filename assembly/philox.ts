// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011;
// the generator of cuRAND, JAX and PyTorch's CUDA backend), evaluated for four counters at
// once in SIMD lanes. Shared by random.ts and dropout.ts. This file is deliberately NOT
// re-exported by assembly/index.ts: its helper is no kernel. The algorithm, and how the
// kernels turn its words into numbers, is specified at the top of random.ts.

const M0: u32 = 0xd2511f53;
const M1: u32 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

/** 64 bytes of static memory (placed below __heap_base, so no tensor overlaps it). */
export const PHILOX_TMP: usize = memory.data(64, 16);

/**
 * Writes the 16 output words of blocks `block .. block+3` to `out` (16 u32, 64 bytes), in
 * element order: word w of block block+j lands at out[4*j + w]. Block b uses counter
 * (b, 0, 0, 0) and key (seed, 0).
 */
// @ts-ignore: decorator
@inline export function philox16(block: u32, seed: u32, out: usize): void {
  // Lane j of xk holds word k of block block+j.
  let x0 = i32x4.add(i32x4.splat(block), i32x4(0, 1, 2, 3));
  let x1 = i32x4.splat(0);
  let x2 = i32x4.splat(0);
  let x3 = i32x4.splat(0);
  const m0 = i32x4.splat(M0);
  const m1 = i32x4.splat(M1);
  let k0 = seed;
  let k1: u32 = 0;
  for (let r = 0; r < 10; r++) {
    // (hi, lo) = 32x32 -> 64-bit products, lanes 0-1 and 2-3 widened separately.
    const p0l = i64x2.extmul_low_i32x4_u(x0, m0);
    const p0h = i64x2.extmul_high_i32x4_u(x0, m0);
    const p1l = i64x2.extmul_low_i32x4_u(x2, m1);
    const p1h = i64x2.extmul_high_i32x4_u(x2, m1);
    const lo0 = v128.shuffle<u32>(p0l, p0h, 0, 2, 4, 6);
    const hi0 = v128.shuffle<u32>(p0l, p0h, 1, 3, 5, 7);
    const lo1 = v128.shuffle<u32>(p1l, p1h, 0, 2, 4, 6);
    const hi1 = v128.shuffle<u32>(p1l, p1h, 1, 3, 5, 7);
    x0 = v128.xor(v128.xor(hi1, x1), i32x4.splat(k0));
    x1 = lo1;
    x2 = v128.xor(v128.xor(hi0, x3), i32x4.splat(k1));
    x3 = lo0;
    k0 += W0;
    k1 += W1;
  }
  // 4x4 transpose from word-major lanes to element order.
  const t0 = v128.shuffle<u32>(x0, x1, 0, 4, 1, 5);
  const t1 = v128.shuffle<u32>(x2, x3, 0, 4, 1, 5);
  const t2 = v128.shuffle<u32>(x0, x1, 2, 6, 3, 7);
  const t3 = v128.shuffle<u32>(x2, x3, 2, 6, 3, 7);
  v128.store(out, v128.shuffle<u64>(t0, t1, 0, 2));
  v128.store(out, v128.shuffle<u64>(t0, t1, 1, 3), 16);
  v128.store(out, v128.shuffle<u64>(t2, t3, 0, 2), 32);
  v128.store(out, v128.shuffle<u64>(t2, t3, 1, 3), 48);
}

/** Uniforms in [0, 1): the top 24 bits of each word times 2^-24 (exact in float32). */
// @ts-ignore: decorator
@inline export function wordsToUniform(w: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(w, 8)), f32x4.splat(5.9604644775390625e-8));
}
