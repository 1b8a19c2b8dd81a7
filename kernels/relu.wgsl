// relu: y = x where x > 0, else 0 (NaN stays NaN, like PyTorch). Twin of assembly/activation.ts relu.
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
  y[i] = select(v, 0.0, v <= 0.0);
}
