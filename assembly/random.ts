// Seeded random samples: randomUniform in [0, 1) and randomNormal.
//
// THE STREAM (the WGSL kernels must reproduce it bit for bit for uniforms):
//   Philox-4x32-10 with key (seed, 0) and counter (b, 0, 0, 0) gives four u32 words
//   w[4b+0 .. 4b+3] for block b = 0, 1, 2, ... Philox-4x32, R = 10 rounds:
//     round(x, k):  (hi0, lo0) = 0xD2511F53 * x0,  (hi1, lo1) = 0xCD9E8D57 * x2  (32x32 -> 64)
//                   x = (hi1 ^ x1 ^ k0,  lo1,  hi0 ^ x3 ^ k1,  lo0)
//     between rounds: k0 += 0x9E3779B9, k1 += 0xBB67AE85 (mod 2^32); 10 rounds, 9 key bumps.
//   (Known answer: seed 0, block 0 gives 0x6627e8d5 0xe169c58d 0xbc57ac4c 0x9b00dbd8, the
//   Random123 test vector.) In WGSL, without 64-bit integers, the 32x32 -> 64 product is
//   built from 16-bit halves.
//   So element i depends only on (seed, i): word w[i] = word (i & 3) of block i >> 2.
//
//   randomUniform:  y[i] = f32(w[i] >> 8) * 2^-24, exactly representable, in [0, 1 - 2^-24].
//   randomNormal:   Box-Muller on consecutive pairs, element 2p and 2p+1 from u[2p], u[2p+1]
//                   (the uniforms above), all in float32:
//                     r = sqrt(-2 * log(1 - u[2p]))     1 - u is in [2^-24, 1]: log(0) cannot occur
//                     t = 6.2831855 * u[2p+1]            (f32(2*pi))
//                     y[2p] = mean + std * (r * cos(t)),  y[2p+1] = mean + std * (r * sin(t))
//                   |z| <= sqrt(48 ln 2) = 5.77. The transcendentals are float32 (musl-derived in
//                   AssemblyScript), so another backend matches to a few ulp, not bit for bit.
//   dropout (dropout.ts) draws u[i] from the same stream.
import { philox16, wordsToUniform, PHILOX_TMP } from './philox';

const TWO_PI: f32 = 6.283185307179586;

/** y[0:n] = uniform samples of stream `seed`. */
export function randomUniform(y: usize, n: i32, seed: u32): void {
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    // Words go straight into y, then are converted in place (still in L1).
    const p = y + (<usize>i << 2);
    philox16(<u32>i >>> 2, seed, p);
    v128.store(p, wordsToUniform(v128.load(p)));
    v128.store(p, wordsToUniform(v128.load(p, 16)), 16);
    v128.store(p, wordsToUniform(v128.load(p, 32)), 32);
    v128.store(p, wordsToUniform(v128.load(p, 48)), 48);
  }
  if (i < n) {
    // The tail: a full group in static scratch, of which n - i elements are kept.
    const t = PHILOX_TMP;
    philox16(<u32>i >>> 2, seed, t);
    for (let j = 0; i + j < n; j++) {
      const w = load<u32>(t + (<usize>j << 2));
      store<f32>(y + (<usize>(i + j) << 2), <f32>(w >>> 8) * 5.9604644775390625e-8);
    }
  }
}

// @ts-ignore: decorator
@inline function boxMuller(wa: u32, wb: u32, y: usize, mean: f32, std: f32): void {
  const ua = <f32>(wa >>> 8) * 5.9604644775390625e-8;
  const ub = <f32>(wb >>> 8) * 5.9604644775390625e-8;
  const r = Mathf.sqrt(-2 * Mathf.log(1 - ua));
  const t = TWO_PI * ub;
  store<f32>(y, mean + std * (r * Mathf.cos(t)));
  store<f32>(y, mean + std * (r * Mathf.sin(t)), 4);
}

/**
 * y[0:n] = mean + std * standard normal samples of stream `seed`. The words are generated
 * 16 at a time in SIMD; the transcendentals of Box-Muller have no SIMD form here, so they run
 * per pair.
 */
export function randomNormal(y: usize, n: i32, seed: u32, mean: f32, std: f32): void {
  const t = PHILOX_TMP;
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    philox16(<u32>i >>> 2, seed, t);
    const p = y + (<usize>i << 2);
    for (let j: usize = 0; j < 64; j += 8) boxMuller(load<u32>(t + j), load<u32>(t + j, 4), p + j, mean, std);
  }
  if (i < n) {
    philox16(<u32>i >>> 2, seed, t);
    // Pairs that fit; an odd last element takes the cosine half of its pair.
    let j = 0;
    for (; i + j + 2 <= n; j += 2) {
      const o = <usize>j << 2;
      boxMuller(load<u32>(t + o), load<u32>(t + o, 4), y + (<usize>(i + j) << 2), mean, std);
    }
    if (i + j < n) {
      const o = <usize>j << 2;
      const ua = <f32>(load<u32>(t + o) >>> 8) * 5.9604644775390625e-8;
      const ub = <f32>(load<u32>(t + o, 4) >>> 8) * 5.9604644775390625e-8;
      const r = Mathf.sqrt(-2 * Mathf.log(1 - ua));
      store<f32>(y + (<usize>(i + j) << 2), mean + std * (r * Mathf.cos(TWO_PI * ub)));
    }
  }
}
