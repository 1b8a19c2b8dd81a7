// randomUniform: y[i] = uniform i of stream `seed`, bit for bit the WASM kernel's
// (assembly/random.ts): word i is word (i & 3) of Philox block i >> 2, and u = (w >> 8) * 2^-24.
// One invocation per block of four elements.
struct Params {
  n: u32,
  seed: u32,
}

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<uniform> p: Params;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = cg_flat(wid, nwg, lid, {{WG}}u);
  let i0 = b * 4u;
  if (i0 >= p.n) {
    return;
  }
  let w = cg_philox(b, p.seed);
  for (var j = 0u; j < 4u; j++) {
    if (i0 + j < p.n) {
      y[i0 + j] = cg_uniform(w[j]);
    }
  }
}
