// Dropout: mask[i] = u[i] >= p ? scale : 0 with scale = 1/(1-p) and u[i] the uniform stream
// of `seed` (specified in random.ts), and y = x * mask. The mask is saved by the op for the
// backward (dx = dy * mask, a plain mul), so no separate gradient kernel exists.
import { philox16, wordsToUniform, PHILOX_TMP } from './philox';

// @ts-ignore: decorator
@inline function maskOf(w: v128, vp: v128, vs: v128): v128 {
  return v128.and(f32x4.ge(wordsToUniform(w), vp), vs);
}

/** p and scale are float32: the comparison u >= f32(p) is exact on both backends. */
export function dropout(x: usize, y: usize, mask: usize, n: i32, p: f32, scale: f32, seed: u32): void {
  const vp = f32x4.splat(p);
  const vs = f32x4.splat(scale);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const o = <usize>i << 2;
    const mp = mask + o;
    // The words land in the mask buffer and become the mask in place.
    philox16(<u32>i >>> 2, seed, mp);
    for (let j: usize = 0; j < 64; j += 16) {
      const m = maskOf(v128.load(mp + j), vp, vs);
      v128.store(mp + j, m);
      v128.store(y + o + j, f32x4.mul(v128.load(x + o + j), m));
    }
  }
  if (i < n) {
    const t = PHILOX_TMP;
    philox16(<u32>i >>> 2, seed, t);
    for (let j = 0; i + j < n; j++) {
      const o = <usize>(i + j) << 2;
      const u = <f32>(load<u32>(t + (<usize>j << 2)) >>> 8) * 5.9604644775390625e-8;
      const m: f32 = u >= p ? scale : 0;
      store<f32>(mask + o, m);
      store<f32>(y + o, load<f32>(x + o) * m);
    }
  }
}
