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

const TM: u32 = {{TILE_M}}u;
const TN: u32 = {{TILE_N}}u;
const TR: u32 = {{TILE_K}}u;
const NT: u32 = 64u;
// Thread lid stages reduction row lid % TR, and columns lid / TR, + STEP, ... of both tiles.
const STEP: u32 = NT / TR;

struct Params {
  n: u32,
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

// Staged tiles, reduction-major: As[r*TM + m], Bs[r*TN + k] (float indices; stored as vec4s).
var<workgroup> As: array<vec4<f32>, TR * TM / 4u>;
var<workgroup> Bs: array<vec4<f32>, TR * TN / 4u>;

// Mixed-radix digits of i for radices (hi, lo): (i / (hi*lo), (i / lo) % hi, i % lo). Used for a
// weight column k = (c*kh + ki)*kw + kj and for a reduction index r = (n*gridH + oy)*gridW + ox.
fn digits(i: u32, hi: i32, lo: i32) -> vec3<i32> {
  let t = i % u32(hi * lo);
  return vec3<i32>(i32(i / u32(hi * lo)), i32(t) / lo, i32(t) % lo);
}

// digits(i + j) from digits(i) and digits(j): one carry per digit suffices.
fn addDigits(a: vec3<i32>, d: vec3<i32>, hi: i32, lo: i32) -> vec3<i32> {
  var t = a + d;
  if (t.z >= lo) {
    t = t + vec3<i32>(0, 1, -lo);
  }
  if (t.y >= hi) {
    t = t + vec3<i32>(1, -hi, 0);
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

    for (var rr = 0u; rr < TR; rr++) {
      let a0 = As[rr * (TM / 4u) + 2u * ty];
      let a1 = As[rr * (TM / 4u) + 2u * ty + 1u];
      let b0 = Bs[rr * (TN / 4u) + 2u * tx];
      let b1 = Bs[rr * (TN / 4u) + 2u * tx + 1u];
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
