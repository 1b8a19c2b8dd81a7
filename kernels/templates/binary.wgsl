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

//#include elementwise_main
  let a_ = a[select(i, 0u, p.broadcast_a != 0u)];
  let b_ = b[select(i, 0u, p.broadcast_b != 0u)];
  y[i] = a_ [[OP]] b_;
}
