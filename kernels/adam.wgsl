// adam: one step of torch.optim.Adam (single-tensor path, torch 1.13) in place over param,
// expAvg and expAvgSq, with the arithmetic of assembly/adam.ts: the hyper-parameters arrive as
// float32 values formed from float64 on the host ((1 - beta) included), and
//   g = grad (+ weightDecay * param);  m = m*beta1 + (1-beta1)*g;  v = v*beta2 + (1-beta2)*g*g
//   param += (-stepSize * m) / (sqrt(v) / sqrt(biasCorrection2) + eps)
// One invocation per element.
struct Params {
  n: u32,
  decay: u32,
  beta1: f32,
  c1: f32,
  beta2: f32,
  c2: f32,
  eps: f32,
  weight_decay: f32,
  neg_step: f32,
  bc2_sqrt: f32,
}

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read> grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> exp_avg: array<f32>;
@group(0) @binding(3) var<storage, read_write> exp_avg_sq: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

//#include elementwise_main
  let w = param[i];
  var g = grad[i];
  if (p.decay != 0u) {
    g = g + p.weight_decay * w;
  }
  let m = exp_avg[i] * p.beta1 + p.c1 * g;
  let v = exp_avg_sq[i] * p.beta2 + (p.c2 * g) * g;
  let denom = sqrt(v) / p.bc2_sqrt + p.eps;
  param[i] = w + (p.neg_step * m) / denom;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
}
