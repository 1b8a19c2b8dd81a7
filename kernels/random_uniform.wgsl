// randomUniform: y[i] = uniform i of stream `seed`, bit for bit the WASM kernel's
// (assembly/random.ts): word i is word (i & 3) of Philox block i >> 2, and u = (w >> 8) * 2^-24.
// One invocation per block of four elements.
struct Params {
  n: u32,
  seed: u32,
}

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;

//#include philox_main
  for (var j = 0u; j < 4u; j++) {
    if (i0 + j < p.n) {
      y[i0 + j] = cg_uniform(w[j]);
    }
  }
}
