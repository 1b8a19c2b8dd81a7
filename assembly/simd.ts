// SIMD helpers shared by the kernels (not exported from the module: their v128 signatures
// are for inlining only).

/**
 * acc + a*b. The relaxed-SIMD build of the module (scripts/build-wasm.mjs, which sets
 * ASC_FEATURE_RELAXED_SIMD) makes this one f32x4.relaxed_madd, a fused multiply-add where the
 * hardware has one: half the floating-point instructions of the GEMM's inner loop. Rounding
 * differs from mul + add by at most one ulp per step, well inside the conformance bound.
 */
// @ts-ignore: decorator
@inline
export function madd(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
