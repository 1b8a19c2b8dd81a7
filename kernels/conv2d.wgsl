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

const TM: u32 = {{TILE_M}}u;
const TN: u32 = {{TILE_N}}u;
const TK: u32 = {{TILE_K}}u;
const NT: u32 = 64u;
const HAS_BIAS: bool = {{HAS_BIAS}} != 0;

struct Params {
  imgC: i32,
  imgH: i32,
  imgW: i32,
  m: i32,
  kh: i32,
  kw: i32,
  gridH: i32,
  gridW: i32,
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
  tilesP: u32,
  tilesM: u32,
  // workgroups that do work: tilesP * tilesM * n
  total: u32,
}

@group(0) @binding(0) var<storage, read> img: array<f32>;
@group(0) @binding(1) var<storage, read> weight: array<f32>;
// Bound to a dummy (or any read-only buffer) when HAS_BIAS is 0; never read then.
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;

// Staged tiles, k-major: As[k*TM + m], Bs[k*TN + p] (float indices; stored as vec4s).
var<workgroup> As: array<vec4<f32>, TK * TM / 4u>;
var<workgroup> Bs: array<vec4<f32>, TK * TN / 4u>;

// A reduction index k as its tap (c, ki, kj), k = (c*kh + ki)*kw + kj.
fn tapOf(k: u32) -> vec3<i32> {
  let khw = u32(params.kh * params.kw);
  let t = k % khw;
  return vec3<i32>(i32(k / khw), i32(t / u32(params.kw)), i32(t % u32(params.kw)));
}

// The tap of k + d from the taps of k and d (d's ki < kh and kj < kw, so one carry each).
// Staging walks k by carry-adds: integer division would cost as much as the tile's FMAs.
fn addTaps(a: vec3<i32>, d: vec3<i32>) -> vec3<i32> {
  var t = a + d;
  if (t.z >= params.kw) {
    t = t + vec3<i32>(0, 1, -params.kw);
  }
  if (t.y >= params.kh) {
    t = t + vec3<i32>(1, -params.kh, 0);
  }
  return t;
}

@compute @workgroup_size(64, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  // The grid is folded into 2-D (header: cg_group); the exit is uniform per workgroup, so the
  // barriers below stay in uniform control flow.
  let wg = cg_group(wid, nwg);
  if (wg >= params.total) {
    return;
  }
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
  let dTile = tapOf(TK);
  var tapBase = vec3<i32>(0);
  // Weight staging: k-fastest, so consecutive threads read consecutive floats.
  let aK = lid % TK;
  let aStep = NT / TK;

  let tx = lid % (TN / 8u);
  let ty = lid / (TN / 8u);
  var c00 = vec4<f32>(0.0); var c01 = vec4<f32>(0.0);
  var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0);
  var c20 = vec4<f32>(0.0); var c21 = vec4<f32>(0.0);
  var c30 = vec4<f32>(0.0); var c31 = vec4<f32>(0.0);
  var c40 = vec4<f32>(0.0); var c41 = vec4<f32>(0.0);
  var c50 = vec4<f32>(0.0); var c51 = vec4<f32>(0.0);
  var c60 = vec4<f32>(0.0); var c61 = vec4<f32>(0.0);
  var c70 = vec4<f32>(0.0); var c71 = vec4<f32>(0.0);

  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var r = lid / TK; r < TM; r += aStep) {
      let m = m0 + r;
      let k = k0 + aK;
      var v = 0.0;
      if (m < M && k < K) {
        v = weight[m * K + k];
      }
      As[(aK * TM + r) / 4u][r % 4u] = v;
    }
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
        tap = addTaps(tap, vec3<i32>(0, 0, 1));
      }
    }
    tapBase = addTaps(tapBase, dTile);
    workgroupBarrier();

    for (var kk = 0u; kk < TK; kk++) {
      let a0 = As[kk * (TM / 4u) + 2u * ty];
      let a1 = As[kk * (TM / 4u) + 2u * ty + 1u];
      let b0 = Bs[kk * (TN / 4u) + 2u * tx];
      let b1 = Bs[kk * (TN / 4u) + 2u * tx + 1u];
      c00 = fma(vec4<f32>(a0.x), b0, c00); c01 = fma(vec4<f32>(a0.x), b1, c01);
      c10 = fma(vec4<f32>(a0.y), b0, c10); c11 = fma(vec4<f32>(a0.y), b1, c11);
      c20 = fma(vec4<f32>(a0.z), b0, c20); c21 = fma(vec4<f32>(a0.z), b1, c21);
      c30 = fma(vec4<f32>(a0.w), b0, c30); c31 = fma(vec4<f32>(a0.w), b1, c31);
      c40 = fma(vec4<f32>(a1.x), b0, c40); c41 = fma(vec4<f32>(a1.x), b1, c41);
      c50 = fma(vec4<f32>(a1.y), b0, c50); c51 = fma(vec4<f32>(a1.y), b1, c51);
      c60 = fma(vec4<f32>(a1.z), b0, c60); c61 = fma(vec4<f32>(a1.z), b1, c61);
      c70 = fma(vec4<f32>(a1.w), b0, c70); c71 = fma(vec4<f32>(a1.w), b1, c71);
    }
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
