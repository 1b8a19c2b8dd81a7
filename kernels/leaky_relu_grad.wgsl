// leakyReluGrad: dx = dy where x > 0, else dy * negativeSlope.
// One invocation per element; {{WG}} is the workgroup size.
struct Params {
  n: u32,
  slope: f32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = cg_flat(wid, nwg, lid, {{WG}}u);
  if (i >= p.n) {
    return;
  }
  let g = dy[i];
  dx[i] = select(g * p.slope, g, x[i] > 0.0);
}
