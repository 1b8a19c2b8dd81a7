// broadcastScalar: y[i] = x[0] * scale, the gradient of sum (scale 1) and mean (scale 1/n).
// One invocation per element; {{WG}} is the workgroup size.
struct Params {
  n: u32,
  scale: f32,
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
  let v = x[i];
  y[i] = x[0] * p.scale;
}
