// reluGrad: dx = dy where x > 0, else 0 (PyTorch's threshold_backward).
// One invocation per element; {{WG}} is the workgroup size.
//#template elementwise
//#set PARAMS
//#set BINDINGS
@group(0) @binding(#) var<storage, read> dy: array<f32>;
@group(0) @binding(#) var<storage, read> x: array<f32>;
@group(0) @binding(#) var<storage, read_write> dx: array<f32>;
//#set BODY
  dx[i] = select(0.0, dy[i], x[i] > 0.0);
