// instanceNorm2d forward: one workgroup per (n, c) plane of hw floats (planes folded into a 2-D
// grid). y = (x - mean) * invStd * weight[c] + bias[c], biased variance like PyTorch; also
// writes the plane's mean and invStd for the backward.
//
// Accuracy without f64: a plane may be large (65536 floats) and offset (100 +- 1), where one f32
// running sum loses the mean and E[x^2] - E[x]^2 loses the variance. So, as the WASM kernel does:
// two passes over the plane (it stays in cache), each thread summing a short strided share and a
// balanced tree in workgroup memory adding the shares; the first pass gives the f32 mean m, the
// second sums the deviations d = x - m and d^2. Σd is what m's rounding lost; the variance about
// the true mean is (Σd² - (Σd)²/hw)/hw and y subtracts r = Σd/hw after the exact x - m (the
// "corrected two-pass" algorithm). The saved mean is m; the backward recovers r from x.

const WG: u32 = {{WG}}u;
const AFFINE: bool = {{AFFINE}} != 0;

struct Params {
  c: u32,
  hw: u32,
  planes: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
// weight and bias are bound to a dummy and never read when AFFINE is 0.
@group(0) @binding(1) var<storage, read> weight: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read_write> mean: array<f32>;
@group(0) @binding(5) var<storage, read_write> invStd: array<f32>;
@group(0) @binding(6) var<uniform> params: Params;

//#include workgroup_sum T=vec2<f32>

//#include plane_main

  var s = 0.0;
  for (var i = lid; i < hw; i += WG) {
    s += x[base + i];
  }
  let m = workgroupSum(lid, vec2<f32>(s, 0.0)).x / fhw;

  var dev = vec2<f32>(0.0, 0.0);
  for (var i = lid; i < hw; i += WG) {
    let d = x[base + i] - m;
    dev += vec2<f32>(d, d * d);
  }
  let sums = workgroupSum(lid, dev);
  let variance = max((sums.y - sums.x * sums.x / fhw) / fhw, 0.0);
  let inv = 1.0 / sqrt(variance + params.eps);
  let r = sums.x / fhw;

  var scale = inv;
  var shift = 0.0;
  if (AFFINE) {
    let ch = plane % params.c;
    scale = inv * weight[ch];
    shift = bias[ch];
  }
  for (var i = lid; i < hw; i += WG) {
    // (x - m) first: exact for x near m, unlike x * scale - m * scale.
    y[base + i] = (x[base + i] - m - r) * scale + shift;
  }
  if (lid == 0u) {
    mean[plane] = m;
    invStd[plane] = inv;
  }
}
