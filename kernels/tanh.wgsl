// tanh. The argument is clamped to [-15, 15], where tanh is +-1 in float32: some
// drivers compute tanh from exp(2x) and return NaN for large |x| (SwiftShader does at 100).
// One invocation per element; {{WG}} is the workgroup size.
struct Params {
  n: u32,
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
  y[i] = tanh(clamp(v, -15.0, 15.0));
}
