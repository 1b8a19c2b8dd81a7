// dropout: mask[i] = scale where u[i] >= p else 0, with u the uniform stream of `seed`
// (assembly/random.ts, bit for bit), and y = x * mask. p and scale = 1/(1-p) are float32, so
// the masks equal the WASM kernel's exactly. One invocation per block of four elements.
struct Params {
  n: u32,
  seed: u32,
  p: f32,
  scale: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> mask: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

//#include philox_main
  for (var j = 0u; j < 4u; j++) {
    let i = i0 + j;
    if (i < p.n) {
      let m = select(0.0, p.scale, cg_uniform(w[j]) >= p.p);
      mask[i] = m;
      y[i] = x[i] * m;
    }
  }
}
