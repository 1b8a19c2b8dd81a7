// instanceNorm2dGrad, pass 2: dweight[c] = Σ over n of the planes' Σdy*xhat and dbias[c] = Σ over
// n of their Σdy, from pass 1's part[plane][2], added in order of n (deterministic). One thread
// per channel: the work is n*c adds, negligible next to pass 1.

const WG: u32 = {{WG}}u;

struct Params {
  n: u32,
  c: u32,
  // 1 when that output is wanted; an absent output is bound to a dummy and never written.
  hasDw: u32,
  hasDb: u32,
}

@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(2) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

//#include flat_main I=ch LIMIT=c
  var sumDy = 0.0;
  var sumDyXhat = 0.0;
  for (var b = 0u; b < params.n; b++) {
    let pl = b * params.c + ch;
    sumDy += part[2u * pl];
    sumDyXhat += part[2u * pl + 1u];
  }
  if (params.hasDw != 0u) {
    dweight[ch] = sumDyXhat;
  }
  if (params.hasDb != 0u) {
    dbias[ch] = sumDy;
  }
}
