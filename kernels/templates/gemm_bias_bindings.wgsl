//## The bindings of the tiled GEMM kernels with a bias (conv2d.wgsl, conv2d_grad_input.wgsl):
//## OUT = weight-product of IN (+ bias), as src/backends/webgpu/kernels/conv.ts binds them.
@group(0) @binding(0) var<storage, read> [[IN]]: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
// Bound to any read-only buffer when HAS_BIAS is 0; never read then.
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> [[OUT]]: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;
