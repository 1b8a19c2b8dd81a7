// The SIMD pieces of the Winograd transforms (winograd.ts): 4x4 transposes, and the 1-D
// transforms Bᵀ (6 -> 6, input) and Aᵀ (6 -> 4, output) applied to 4 tiles at once, one per
// lane. All inline, so the transforms run in registers.

/** Columns 0-3 of the 4x4 transpose of rows r0..r3 (column j holds element j of each row). */
// @ts-ignore: decorator
@inline
export function col0(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  return f32x4.shuffle(f32x4.shuffle(r0, r1, 0, 4, 1, 5), f32x4.shuffle(r2, r3, 0, 4, 1, 5), 0, 1, 4, 5);
}
// @ts-ignore: decorator
@inline
export function col1(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  return f32x4.shuffle(f32x4.shuffle(r0, r1, 0, 4, 1, 5), f32x4.shuffle(r2, r3, 0, 4, 1, 5), 2, 3, 6, 7);
}
// @ts-ignore: decorator
@inline
export function col2(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  return f32x4.shuffle(f32x4.shuffle(r0, r1, 2, 6, 3, 7), f32x4.shuffle(r2, r3, 2, 6, 3, 7), 0, 1, 4, 5);
}
// @ts-ignore: decorator
@inline
export function col3(r0: v128, r1: v128, r2: v128, r3: v128): v128 {
  return f32x4.shuffle(f32x4.shuffle(r0, r1, 2, 6, 3, 7), f32x4.shuffle(r2, r3, 2, 6, 3, 7), 2, 3, 6, 7);
}

/** Bᵀ·(d0..d5) to dst + i*step. */
// @ts-ignore: decorator
@inline
export function transform6(dst: usize, step: usize, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128, four: v128, five: v128, two: v128): void {
  const s12 = f32x4.add(d1, d2);
  const s34 = f32x4.add(d3, d4);
  const t21 = f32x4.sub(d1, d2);
  const t43 = f32x4.sub(d4, d3);
  const t42 = f32x4.sub(d4, d2);
  const t31 = f32x4.sub(d3, d1);
  v128.store(dst, f32x4.add(f32x4.sub(f32x4.mul(d0, four), f32x4.mul(d2, five)), d4));
  v128.store(dst + step, f32x4.sub(s34, f32x4.mul(s12, four)));
  v128.store(dst + 2 * step, f32x4.add(f32x4.mul(t21, four), t43));
  v128.store(dst + 3 * step, f32x4.add(f32x4.mul(t31, two), t42));
  v128.store(dst + 4 * step, f32x4.sub(t42, f32x4.mul(t31, two)));
  v128.store(dst + 5 * step, f32x4.add(f32x4.sub(f32x4.mul(d1, four), f32x4.mul(d3, five)), d5));
}

/** Aᵀ·(m0..m5) to dst + i*step. */
// @ts-ignore: decorator
@inline
export function detransform4(dst: usize, step: usize, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128, two: v128, four: v128, eight: v128): void {
  const s = f32x4.add(m1, m2);
  const d = f32x4.sub(m1, m2);
  const s2 = f32x4.add(m3, m4);
  const d2 = f32x4.sub(m3, m4);
  v128.store(dst, f32x4.add(f32x4.add(m0, s), s2));
  v128.store(dst + step, f32x4.add(d, f32x4.mul(d2, two)));
  v128.store(dst + 2 * step, f32x4.add(s, f32x4.mul(s2, four)));
  v128.store(dst + 3 * step, f32x4.add(f32x4.add(d, f32x4.mul(d2, eight)), m5));
}
