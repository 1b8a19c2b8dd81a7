// conv2d's weight gradient: dW[M, K] = Σ over images and positions of src[img][M, P] · col(img)[K, P]ᵀ
// with K = imgC*kh*kw and col as in conv2d.wgsl (gathered on the fly, never stored). The same
// product is convTranspose2d's weight gradient with src = x and img = dy (see conv.ts).
//
// The reduction (R = n*P, up to n*65536 terms) is much longer than the output is wide, so it is
// split into `slices` contiguous ranges of `sliceLen` terms: workgroup (tile, slice) writes its
// partial tile to part[slice][M][K], and conv2d_grad_weight_reduce.wgsl adds the slices in a fixed
// order. No float atomics (WGSL has none) and the result is deterministic. With one slice the
// partial is dW itself and the second pass is skipped.
//
// Tiling: 64 threads own a TILE_M (m) x TILE_N (k) tile, each thread an 8x8 block in vec4
// registers (as in conv2d.wgsl). The reduction runs in TILE_K-deep steps that stage
// src[TILE_K positions, TILE_M] and col[TILE_K positions, TILE_N] in workgroup memory. A thread
// stages one reduction row (position) of both tiles per step; its position and its columns'
// taps advance by carry-adds, not divisions.

//#include gemm_tile_consts K=TR
// Thread lid stages reduction row lid % TR, and columns lid / TR, + STEP, ... of both tiles.
const STEP: u32 = NT / TR;

struct Params {
  n: u32,
//#include conv_params_geometry
  tilesK: u32,
  tilesM: u32,
  slices: u32,
  // reduction terms per slice, a multiple of TR
  sliceLen: u32,
  // workgroups that do work: tilesK * tilesM * slices (the grid is folded into 2-D)
  total: u32,
}

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> img: array<f32>;
// dW itself when slices == 1, else the partial sums [slices][M][K].
@group(0) @binding(2) var<storage, read_write> part: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// digits() and addDigits() (kernels/templates/mixed_radix.wgsl) walk a weight column
// k = (c*kh + ki)*kw + kj and a reduction index r = (n*gridH + oy)*gridW + ox.
//#include mixed_radix

//#include gemm_tile_main
  let tileK = wg % params.tilesK;
  let rest = wg / params.tilesK;
  let tileM = rest % params.tilesM;
  let slice = rest / params.tilesM;

  let khw = u32(params.kh * params.kw);
  let K = u32(params.imgC) * khw;
  let M = u32(params.m);
  let P = u32(params.gridH * params.gridW);
  let plane = u32(params.imgH * params.imgW);
  let R = params.n * P;
  let rBegin = slice * params.sliceLen;
  let rEnd = min(rBegin + params.sliceLen, R);
  let k0 = tileK * TN;
  let m0 = tileM * TM;

  let rl = lid % TR;
  let col0 = lid / TR;
  // Taps (c, ki, kj) of this thread's first col column, and the step to the next one.
  let tap0 = digits(k0 + col0, params.kh, params.kw);
  let dCol = digits(STEP, params.kh, params.kw);
  // This thread's reduction term (image, oy, ox), and the step to the next tile's.
  var pos = digits(rBegin + rl, params.gridH, params.gridW);
  let dPos = digits(TR, params.gridH, params.gridW);

//#include gemm_tile_registers

  for (var r0 = rBegin; r0 < rEnd; r0 += TR) {
    let rOk = r0 + rl < rEnd;
    let n = u32(pos.x);
    let p = u32(pos.y * params.gridW + pos.z);
    let iy0 = pos.y * params.sh - params.ph;
    let ix0 = pos.z * params.sw - params.pw;
    let srcBase = n * M * P + p;
    let imgBase = n * u32(params.imgC) * plane;

    for (var mr = col0; mr < TM; mr += STEP) {
      let m = m0 + mr;
      var v = 0.0;
      if (rOk && m < M) {
        v = src[srcBase + m * P];
      }
      As[(rl * TM + mr) / 4u][mr % 4u] = v;
    }
    var tap = tap0;
    for (var kc = col0; kc < TN; kc += STEP) {
      let iy = iy0 + tap.y;
      let ix = ix0 + tap.z;
      var v = 0.0;
      // tap.x < imgC is k < K
      if (rOk && tap.x < params.imgC && iy >= 0 && iy < params.imgH && ix >= 0 && ix < params.imgW) {
        v = img[imgBase + u32(tap.x) * plane + u32(iy * params.imgW + ix)];
      }
      Bs[(rl * TN + kc) / 4u][kc % 4u] = v;
      tap = addDigits(tap, dCol, params.kh, params.kw);
    }
    pos = addDigits(pos, dPos, params.gridH, params.gridW);
    workgroupBarrier();

//#include gemm_tile_fma KK=rr DEPTH=TR
    workgroupBarrier();
  }

  let outBase = slice * M * K;
  let acc = array<vec4<f32>, 16>(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
  for (var i = 0u; i < 8u; i++) {
    let m = m0 + 8u * ty + i;
    if (m >= M) {
      continue;
    }
    for (var j = 0u; j < 8u; j++) {
      let k = k0 + 8u * tx + j;
      if (k < K) {
        part[outBase + m * K + k] = acc[2u * i + j / 4u][j % 4u];
      }
    }
  }
}
