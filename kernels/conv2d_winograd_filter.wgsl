// conv2dWinograd, pass 1: the filter transform U = G g Gᵀ of every 3x3 kernel g, for Winograd's
// F(TILE x TILE, 3x3) with TILE 2 (4x4 positions) or 4 (6x6), stored as one m x k matrix per
// position: u[(pos*M + m)*K + k], pos = row*A + column of the A x A transform (A = TILE + 2).
// The same transforms as assembly/winograd_filter.ts (Lavin & Gray):
//   F(2x2): G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
//   F(4x4): G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
// FLIP != 0 gives conv2d's input-gradient filter instead: the weight [K = cOut, M = cIn, 3, 3]
// flipped in both axes with its channel axes swapped, so that dx is the Winograd conv of dy
// (src/backends/webgpu/kernels/winograd.ts). One invocation per (m, k).

const WG: u32 = {{WG}}u;
const TILE: u32 = {{TILE}}u;

struct Params {
  total: u32,
  m: u32,
  k: u32,
  flip: u32,
}

@group(0) @binding(0) var<storage, read> weight: array<f32>;
@group(0) @binding(1) var<storage, read_write> u: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// Tap (i, j) of the kernel being transformed (reversed when flipped); src is its first tap.
fn tap(src: u32, i: u32, j: u32) -> f32 {
  let t = i * 3u + j;
  if (params.flip != 0u) {
    return weight[src + 8u - t];
  }
  return weight[src + t];
}

fn kernelRow(src: u32, i: u32) -> vec4<f32> {
  return vec4<f32>(tap(src, i, 0u), tap(src, i, 1u), tap(src, i, 2u), 0.0);
}

// G·(g0, g1, g2) of F(4x4) (6 outputs), in the order and rounding of winograd_filter.ts.
fn g6(g0: vec4<f32>, g1: vec4<f32>, g2: vec4<f32>) -> array<vec4<f32>, 6> {
  let a = (g0 + g2) * (-1.0 / 6.0);
  let b = g1 * (1.0 / 6.0);
  let c = g0 * (1.0 / 24.0) + g2 * (1.0 / 6.0);
  let d = g1 * (1.0 / 12.0);
  return array<vec4<f32>, 6>(g0 * 0.25, a - b, a + b, c + d, c - d, g2);
}

// G·(g0, g1, g2) of F(2x2) (4 outputs).
fn g4(g0: vec4<f32>, g1: vec4<f32>, g2: vec4<f32>) -> array<vec4<f32>, 4> {
  let s = (g0 + g2) * 0.5;
  let d = g1 * 0.5;
  return array<vec4<f32>, 4>(g0, s + d, s - d, g2);
}

//#include flat_main I=idx LIMIT=total
  let M = params.m;
  let K = params.k;
  let k = idx % K;
  let m = idx / K;
  var src = (m * K + k) * 9u;
  if (params.flip != 0u) {
    src = (k * M + m) * 9u;
  }
  let r0 = kernelRow(src, 0u);
  let r1 = kernelRow(src, 1u);
  let r2 = kernelRow(src, 2u);
  let plane = M * K;
  let at = m * K + k;
  if (TILE == 2u) {
    // Rows of G g, then each row times Gᵀ: column l of G g is t[.][l], so the columns of
    // transpose(G g) are the inputs of the second product, whose results are u's columns.
    let t = g4(r0, r1, r2);
    let c = transpose(mat4x4<f32>(t[0], t[1], t[2], t[3]));
    var r = g4(c[0], c[1], c[2]);
    for (var j = 0u; j < 4u; j++) {
      let col = r[j];
      for (var i = 0u; i < 4u; i++) {
        u[(i * 4u + j) * plane + at] = col[i];
      }
    }
  } else {
    let t = g6(r0, r1, r2);
    let lo = transpose(mat4x4<f32>(t[0], t[1], t[2], t[3]));
    let hi = transpose(mat4x4<f32>(t[4], t[5], vec4<f32>(0.0), vec4<f32>(0.0)));
    // rLo[j] holds u[i][j] for rows i = 0..3, rHi[j] for rows 4, 5.
    var rLo = g6(lo[0], lo[1], lo[2]);
    var rHi = g6(hi[0], hi[1], hi[2]);
    for (var j = 0u; j < 6u; j++) {
      let a = rLo[j];
      let b = rHi[j];
      for (var i = 0u; i < 4u; i++) {
        u[(i * 6u + j) * plane + at] = a[i];
      }
      u[(24u + j) * plane + at] = b.x;
      u[(30u + j) * plane + at] = b.y;
    }
  }
}
