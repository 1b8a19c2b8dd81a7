// tanhGrad: dx = dy * (1 - y*y), from the saved output y.
// One invocation per element; {{WG}} is the workgroup size.
//#template elementwise
//#set PARAMS
//#set BINDINGS
@group(0) @binding(#) var<storage, read> dy: array<f32>;
@group(0) @binding(#) var<storage, read> y: array<f32>;
@group(0) @binding(#) var<storage, read_write> dx: array<f32>;
//#set BODY
  let v = y[i];
  dx[i] = dy[i] * (1.0 - v * v);
