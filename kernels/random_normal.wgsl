// randomNormal: Box-Muller on the uniform stream of `seed`, as assembly/random.ts: elements
// 2q and 2q+1 come from u[2q], u[2q+1]; r = sqrt(-2 log(1 - u[2q])), t = 2pi * u[2q+1],
// y = mean + std * (r cos t | r sin t); an odd last element takes the cosine half.
// The uniforms are bit-exact. Sine and cosine are computed here (Cephes' sinf/cosf polynomials
// after a three-part reduction by pi/2), because WGSL only promises 2^-11 absolute accuracy for
// its builtins (SwiftShader's are off by ~1e-5); log and sqrt are the device's. So the samples
// agree with WASM's to a few ulp. One invocation per block of four elements (two pairs).
struct Params {
  n: u32,
  seed: u32,
  mean: f32,
  stddev: f32,
}

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;

const TWO_PI: f32 = 6.2831855;

// (sin t, cos t) for t in [0, 2pi]: t = j*pi/2 + y with |y| <= pi/4, pi/2 in three parts
// (the first two exact in float32) so that y is accurate; then the quadrant j picks the signs.
fn sincos(t: f32) -> vec2f {
  let j = round(t * 0.63661975);
  let y = ((t - j * 1.5703125) - j * 4.8375129699707031e-4) - j * 7.5497899548918822e-8;
  let z = y * y;
  let s = y + y * z * (-1.6666654611e-1 + z * (8.3321608736e-3 + z * -1.9515295891e-4));
  let c = 1.0 - 0.5 * z + z * z * (4.166664568298827e-2 + z * (-1.388731625493765e-3 + z * 2.443315711809948e-5));
  switch (u32(j) & 3u) {
    case 0u: { return vec2f(s, c); }
    case 1u: { return vec2f(c, -s); }
    case 2u: { return vec2f(-s, -c); }
    default: { return vec2f(-c, s); }
  }
}

//#include philox_main
  for (var q = 0u; q < 2u; q++) {
    let i = i0 + 2u * q;
    if (i >= p.n) {
      break;
    }
    let r = sqrt(-2.0 * log(1.0 - cg_uniform(w[2u * q])));
    let sc = sincos(TWO_PI * cg_uniform(w[2u * q + 1u]));
    y[i] = p.mean + p.stddev * (r * sc.y);
    if (i + 1u < p.n) {
      y[i + 1u] = p.mean + p.stddev * (r * sc.x);
    }
  }
}
