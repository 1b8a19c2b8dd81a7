//## Elementwise binary ops (add, sub, mul): y = a [[OP]] b, with a scalar side broadcast.
//## Instances: kernels/add.wgsl, sub.wgsl, mul.wgsl (//#set OP, the operator).
// One invocation per element; {{WG}} is the workgroup size.
struct Params {
  n: u32,
  broadcast_a: u32,
  broadcast_b: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = cg_flat(wid, nwg, lid, {{WG}}u);
  if (i >= p.n) {
    return;
  }
  let a_ = a[select(i, 0u, p.broadcast_a != 0u)];
  let b_ = b[select(i, 0u, p.broadcast_b != 0u)];
  y[i] = a_ [[OP]] b_;
}
