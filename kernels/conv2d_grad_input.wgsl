// conv2d's input gradient, img = col2im(weightᵀ · src), written as a gather (no atomics, no col
// buffer): img[c, iy, ix] = Σ over m and the taps (ki, kj) that land on (iy, ix) of
//   weight[m, c, ki, kj] * src[m, (iy + ph - ki)/sh, (ix + pw - kj)/sw]   (exact divisions only).
// The same product (+ bias) is convTranspose2d's forward pass (src = x, M = cIn), see conv.ts.
//
// Stride phases: pixels with the same (iy mod sh, ix mod sw) are reached by the same taps
// ki = kiBase + sh*u, kj = kjBase + sw*v, and for them oy = oyBase + iy/sh - u (same for x). So each
// workgroup takes pixels of one phase only, and its reduction runs over (m, u, v): exactly the
// taps that contribute, instead of kh*kw taps of which (sh*sw - 1)/(sh*sw) would be zeros.
//
// Tiling as in conv2d.wgsl: 64 threads own a TILE_M (channels c) x TILE_N (pixels of the phase)
// output tile, each thread an 8x8 block in vec4 registers; TILE_K-deep steps staged in workgroup
// memory. The reduction index k = (m*nKi + u)*nKj + v is tracked as (m, u, v) by carry-adds.

//#include gemm_tile_consts K=TK
const HAS_BIAS: bool = {{HAS_BIAS}} != 0;

struct Params {
//#include conv_params_geometry
  // tiles of TN pixels per phase (sized for the largest phase), tiles of TM channels
  tilesP: u32,
  tilesM: u32,
  // workgroups that do work: tilesP * tilesM * sh*sw * n (the grid is folded into 2-D)
  total: u32,
}

//#include gemm_bias_bindings IN=src OUT=img

// Ceiling division of non-negative a by positive b.
fn cdiv(a: i32, b: i32) -> i32 {
  return (a + b - 1) / b;
}

// A reduction index k as (m, u, v) = digits(k, nKi, nKj), k = (m*nKi + u)*nKj + v (nKi, nKj > 0),
// advanced by addDigits (one carry each, as d's u < nKi and v < nKj).
//#include mixed_radix

//#include gemm_tile_main
  let tileP = wg % params.tilesP;
  var rest = wg / params.tilesP;
  let tileC = rest % params.tilesM;
  rest = rest / params.tilesM;
  let phases = u32(params.sh * params.sw);
  let phase = i32(rest % phases);
  let n = rest / phases;

  // The phase (ry, rx), its pixel sub-grid (ry + sh*a, rx + sw*b), a < subH, b < subW,
  // and its taps: nKi x nKj of them, starting at (kiBase, kjBase).
  let ry = phase / params.sw;
  let rx = phase % params.sw;
  let subH = max(cdiv(params.imgH - ry, params.sh), 0);
  let subW = max(cdiv(params.imgW - rx, params.sw), 0);
  let kiBase = (ry + params.ph) % params.sh;
  let kjBase = (rx + params.pw) % params.sw;
  let nKi = max(cdiv(params.kh - kiBase, params.sh), 0);
  let nKj = max(cdiv(params.kw - kjBase, params.sw), 0);
  let oyBase = (ry + params.ph - kiBase) / params.sh;
  let oxBase = (rx + params.pw - kjBase) / params.sw;

  let taps = u32(nKi * nKj);
  let M = u32(params.m);
  let C = u32(params.imgC);
  let K = M * taps;
  let S = u32(subH * subW);
  let gridP = u32(params.gridH * params.gridW);
  let srcBase = n * M * gridP;
  let q0 = tileP * TN;
  let c0 = tileC * TM;
  let khw = u32(params.kh * params.kw);

  // Weight staging: k-fastest (aK), channels lid / TK, + aStep, ...
  let aK = lid % TK;
  let aStep = NT / TK;

  // (m, u, v) of the first k each thread stages in a tile: A at k0 + aK, B at k0 (all TK rows
  // of its columns). A phase without taps (K = 0) skips the loop and never uses them.
  let safeKi = max(nKi, 1);
  let safeKj = max(nKj, 1);
  let dTile = digits(TK, safeKi, safeKj);
  var tapA = digits(aK, safeKi, safeKj);
  var tapB = vec3<i32>(0);
  let safeSubW = u32(max(subW, 1));

//#include gemm_tile_registers

  for (var k0 = 0u; k0 < K; k0 += TK) {
    // As[k, c] = weight[m, c, kiBase + sh*u, kjBase + sw*v]; tapA.x < M is k < K.
    let wOff = u32((kiBase + params.sh * tapA.y) * params.kw + kjBase + params.sw * tapA.z);
    for (var r = lid / TK; r < TM; r += aStep) {
      let c = c0 + r;
      var v = 0.0;
      if (c < C && tapA.x < params.m) {
        v = weight[(u32(tapA.x) * C + c) * khw + wOff];
      }
      As[(aK * TM + r) / 4u][r % 4u] = v;
    }
    tapA = addDigits(tapA, dTile, safeKi, safeKj);
    // Bs[k, q] = src[m, oyBase + a - u, oxBase + b - v] for pixel q = (a, b) of the phase
    // (0 outside src's grid); consecutive threads take consecutive pixels.
    for (var col = lid; col < TN; col += NT) {
      let q = q0 + col;
      let oy0 = oyBase + i32(q / safeSubW);
      let ox0 = oxBase + i32(q % safeSubW);
      var tap = tapB;
      for (var r = 0u; r < TK; r++) {
        let oy = oy0 - tap.y;
        let ox = ox0 - tap.z;
        var v = 0.0;
        if (q < S && tap.x < params.m && oy >= 0 && oy < params.gridH && ox >= 0 && ox < params.gridW) {
          v = src[srcBase + u32(tap.x) * gridP + u32(oy * params.gridW + ox)];
        }
        Bs[(r * TN + col) / 4u][col % 4u] = v;
        tap = addDigits(tap, vec3<i32>(0, 0, 1), safeKi, safeKj);
      }
    }
    tapB = addDigits(tapB, dTile, safeKi, safeKj);
    workgroupBarrier();

//#include gemm_tile_fma KK=kk DEPTH=TK
    workgroupBarrier();
  }

  // Every pixel belongs to exactly one phase, so these stores cover img once (a phase with no
  // taps, e.g. a 1x1 window with stride 2, still writes its zeros or the bias).
  let plane = u32(params.imgH * params.imgW);
  let acc = array<vec4<f32>, 16>(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
  for (var i = 0u; i < 8u; i++) {
    let c = c0 + 8u * ty + i;
    if (c >= C) {
      continue;
    }
    var shift = 0.0;
    if (HAS_BIAS) {
      shift = bias[c];
    }
    let planeBase = (n * C + c) * plane;
    for (var j = 0u; j < 8u; j++) {
      let qq = q0 + 8u * tx + j;
      if (qq < S) {
        let iy = ry + params.sh * i32(qq / safeSubW);
        let ix = rx + params.sw * i32(qq % safeSubW);
        img[planeBase + u32(iy * params.imgW + ix)] = acc[2u * i + j / 4u][j % 4u] + shift;
      }
    }
  }
}
