// conv2d forward as an implicit GEMM (no im2col buffer):
//   out[img][M, P] = weight[M, K] · col(img)[K, P] (+ bias[M])
// with K = imgC*kh*kw (PyTorch's weight layout is already the [M, K] matrix) and P = gridH*gridW
// output positions; col[(c*kh + ki)*kw + kj, oy*gridW + ox] = img[c, oy*sh - ph + ki, ox*sw - pw + kj]
// (0 outside the image) is gathered on the fly into workgroup memory.
// The same product is convTranspose2d's input gradient (img = dy, M = cIn), see conv.ts.
//
// Tiling: a workgroup of 64 threads owns a TILE_M x TILE_N tile of out, each thread an 8x8 block
// of it (rows 8*ty.., columns 8*tx..) in sixteen vec4 registers. The reduction runs in TILE_K
// steps; each step stages a TILE_K x TILE_M slice of the weights and a TILE_K x TILE_N slice of
// col in workgroup memory (as vec4s), then per k every thread does 4 vec4 loads and 16 vec4 FMAs.
// (TILE_M/8) * (TILE_N/8) must be 64 and TILE_N >= 64: 64x64 tiles, or 16x256 where M is small.

//#include gemm_tile_consts K=TK
const HAS_BIAS: bool = {{HAS_BIAS}} != 0;

struct Params {
//#include conv_params_geometry
  tilesP: u32,
  tilesM: u32,
  // workgroups that do work: tilesP * tilesM * n
  total: u32,
}

//#include gemm_bias_bindings IN=img OUT=out

// A reduction index k as its tap (c, ki, kj) = digits(k, kh, kw), k = (c*kh + ki)*kw + kj.
// Staging walks k by carry-adds (addDigits): integer division would cost as much as the tile's FMAs.
//#include mixed_radix

//#include gemm_tile_main
  let tileP = wg % params.tilesP;
  let rest = wg / params.tilesP;
  let tileM = rest % params.tilesM;
  let n = rest / params.tilesM;

  let P = u32(params.gridH * params.gridW);
  let K = u32(params.imgC * params.kh * params.kw);
  let M = u32(params.m);
  let plane = u32(params.imgH * params.imgW);
  let imgBase = n * u32(params.imgC) * plane;
  let p0 = tileP * TN;
  let m0 = tileM * TM;

  // col staging: this thread fills columns lid, lid + NT, ... (consecutive threads read
  // consecutive positions), all TK rows of each; tapBase is the tap of row 0 (k = k0).
  let dTile = digits(TK, params.kh, params.kw);
  var tapBase = vec3<i32>(0);
  // Weight staging: k-fastest, so consecutive threads read consecutive floats.
  let aK = lid % TK;
  let aStep = NT / TK;

//#include gemm_tile_registers

  for (var k0 = 0u; k0 < K; k0 += TK) {
//#include gemm_tile_stage_a AT=weight[m*K+k]
    for (var col = lid; col < TN; col += NT) {
      let p = p0 + col;
      let oy = i32(p / u32(params.gridW));
      let ox = i32(p % u32(params.gridW));
      let iy0 = oy * params.sh - params.ph;
      let ix0 = ox * params.sw - params.pw;
      var tap = tapBase;
      for (var r = 0u; r < TK; r++) {
        let iy = iy0 + tap.y;
        let ix = ix0 + tap.z;
        var v = 0.0;
        // tap.x < imgC is k < K
        if (p < P && tap.x < params.imgC && iy >= 0 && iy < params.imgH && ix >= 0 && ix < params.imgW) {
          v = img[imgBase + u32(tap.x) * plane + u32(iy * params.imgW + ix)];
        }
        Bs[(r * TN + col) / 4u][col % 4u] = v;
        tap = addDigits(tap, vec3<i32>(0, 0, 1), params.kh, params.kw);
      }
    }
    tapBase = addDigits(tapBase, dTile, params.kh, params.kw);
    workgroupBarrier();

//#include gemm_tile_fma KK=kk DEPTH=TK
    workgroupBarrier();
  }

  // Named registers above (a private array indexed in the loop is spilled to memory by some
  // compilers, SwiftShader's among them); one array for the stores.
  let acc = array<vec4<f32>, 16>(c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
  for (var i = 0u; i < 8u; i++) {
    let m = m0 + 8u * ty + i;
    if (m >= M) {
      continue;
    }
    var shift = 0.0;
    if (HAS_BIAS) {
      shift = bias[m];
    }
    let rowBase = (n * M + m) * P;
    for (var j = 0u; j < 8u; j++) {
      let q = p0 + 8u * tx + j;
      if (q < P) {
        out[rowBase + q] = acc[2u * i + j / 4u][j % 4u] + shift;
      }
    }
  }
}
