// concat, one pass per input: input k (viewed as [outer, chunk] with chunk = size_k * inner)
// goes to columns [offset, offset + chunk) of the output rows of length `row`
// (the concatenated dim times inner). One invocation per element of input k.
struct Params {
  n: u32,
  chunk: u32,
  row: u32,
  offset: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = cg_flat(wid, nwg, lid, {{WG}}u);
  if (i >= p.n) {
    return;
  }
  let o = i / p.chunk;
  y[o * p.row + p.offset + (i - o * p.chunk)] = x[i];
}
