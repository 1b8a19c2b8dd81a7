// leakyReluGrad: dx = dy where x > 0, else dy * negativeSlope.
// One invocation per element; {{WG}} is the workgroup size.
//#template elementwise
//#set PARAMS
  slope: f32,
//#set BINDINGS
@group(0) @binding(#) var<storage, read> dy: array<f32>;
@group(0) @binding(#) var<storage, read> x: array<f32>;
@group(0) @binding(#) var<storage, read_write> dx: array<f32>;
//#set BODY
  let g = dy[i];
  dx[i] = select(g * p.slope, g, x[i] > 0.0);
