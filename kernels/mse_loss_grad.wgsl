// mseLossGrad: dInput = norm * (input - target) * dLoss with norm = float32(2/n), in PyTorch's order.
// One invocation per element.
//#template elementwise
//#set PARAMS
  norm: f32,
//#set BINDINGS
@group(0) @binding(#) var<storage, read> inp: array<f32>;
@group(0) @binding(#) var<storage, read> tgt: array<f32>;
@group(0) @binding(#) var<storage, read> dloss: array<f32>;
@group(0) @binding(#) var<storage, read_write> dinput: array<f32>;
//#set BODY
  dinput[i] = p.norm * (inp[i] - tgt[i]) * dloss[0];
