// instanceNorm2dGrad, pass 1: one workgroup per (n, c) plane. With xhat = (x - mean) * invStd
// and g = weight[c] (1 when not affine):
//   dx = g * invStd * (dy - mean(dy) - xhat * mean(dy * xhat))
// The plane sums Σdy, Σdy*(x - m), Σ(x - m) come from a workgroup tree reduction; Σ(x - m)
// recovers the rounding r of the saved f32 mean m as in the forward (the true mean is m + r).
// When dweight or dbias is wanted, the plane's Σdy and Σdy*xhat go to part[plane] (vec2 as
// two floats) and instance_norm_grad_reduce.wgsl adds them over n per channel, in order:
// deterministic, no float atomics.

const WG: u32 = {{WG}}u;
const AFFINE: bool = {{AFFINE}} != 0;
const HAS_DX: bool = {{HAS_DX}} != 0;
const HAS_STATS: bool = {{HAS_STATS}} != 0;

struct Params {
  c: u32,
  hw: u32,
  planes: u32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> invStd: array<f32>;
// Bound to a dummy and never read when AFFINE is 0.
@group(0) @binding(4) var<storage, read> weight: array<f32>;
// Bound to a dummy and never written when HAS_DX is 0.
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
// [planes][2] = (Σdy, Σdy*xhat); bound to a dummy and never written when HAS_STATS is 0.
@group(0) @binding(6) var<storage, read_write> part: array<f32>;
@group(0) @binding(7) var<uniform> params: Params;

//#include workgroup_sum T=vec3<f32>

//#include plane_main
  let m = mean[plane];
  let inv = invStd[plane];

  var acc = vec3<f32>(0.0, 0.0, 0.0);
  for (var i = lid; i < hw; i += WG) {
    let g = dy[base + i];
    let d = x[base + i] - m;
    acc += vec3<f32>(g, g * d, d);
  }
  let sums = workgroupSum(lid, acc);
  // Σ dy * (x - (m + r)) = Σdy*d - r * Σdy
  let r = sums.z / fhw;
  let sumDyD = sums.y - r * sums.x;

  if (HAS_STATS && lid == 0u) {
    part[2u * plane] = sums.x;
    part[2u * plane + 1u] = sumDyD * inv;
  }
  if (HAS_DX) {
    var g = 1.0;
    if (AFFINE) {
      g = weight[plane % params.c];
    }
    // dx = A * ((dy - mean(dy)) - (x - m - r) * K), with r * K folded into the mean(dy) term
    // so a small dx is not the difference of two large rounded products.
    let A = g * inv;
    let K = (sumDyD / fhw) * inv * inv;
    let mdy = sums.x / fhw - r * K;
    for (var i = lid; i < hw; i += WG) {
      let d = x[base + i] - m;
      dx[base + i] = (dy[base + i] - mdy - d * K) * A;
    }
  }
}
