// sliceGrad: dx = 0 except dx[o, start:start+len] = dy[o, :] (the gradient of slice); rows of
// `row_in` = size*inner floats in dx, `row_out` = len*inner in dy, the slice at `skip`.
// One invocation per element of dx.
struct Params {
  n: u32,
  row_out: u32,
  row_in: u32,
  skip: u32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = cg_flat(wid, nwg, lid, {{WG}}u);
  if (i >= p.n) {
    return;
  }
  let o = i / p.row_in;
  let c = i - o * p.row_in;
  var v = 0.0;
  if (c >= p.skip && c - p.skip < p.row_out) {
    v = dy[o * p.row_out + (c - p.skip)];
  }
  dx[i] = v;
}
