// l1LossGrad: dInput = sign(input - target) * (dLoss / n), sign(0) = sign(NaN) = 0 like PyTorch.
// One invocation per element.
//#template elementwise
//#set PARAMS
  count: f32,
//#set BINDINGS
@group(0) @binding(#) var<storage, read> inp: array<f32>;
@group(0) @binding(#) var<storage, read> tgt: array<f32>;
@group(0) @binding(#) var<storage, read> dloss: array<f32>;
@group(0) @binding(#) var<storage, read_write> dinput: array<f32>;
//#set BODY
  let g = dloss[0] / p.count;
  let d = inp[i] - tgt[i];
  dinput[i] = select(select(0.0, -g, d < 0.0), g, d > 0.0);
