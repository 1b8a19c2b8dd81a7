// conv2dWinograd, pass 2 (once per chunk of tiles): the input transform V = Bᵀ d B of every
// A x A input window d (A = TILE + 2, zero outside the image) and channel, for the output tiles
// t0 .. t0+count-1 (tiles numbered over the batch, row-major within each image). Stored as one
// c x count matrix per position: v[(pos*C + c)*count + t - t0]. The transforms of
// assembly/winograd_f2.ts and winograd_transforms.ts:
//   F(2x2): Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//   F(4x4): Bᵀ·d = (4d0 - 5d2 + d4, d3 + d4 - 4(d1 + d2), 4(d1 - d2) + d4 - d3,
//                   2(d3 - d1) + d4 - d2, d4 - d2 - 2(d3 - d1), 4d1 - 5d3 + d5)
// One invocation per (channel, tile), tiles fastest so neighbours write neighbouring floats.

const WG: u32 = {{WG}}u;
const TILE: u32 = {{TILE}}u;

struct Params {
  total: u32,
  c: u32,
  h: i32,
  w: i32,
  pad: i32,
  tilesW: u32,
  tilesPerImage: u32,
  t0: u32,
  count: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> v: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn px(base: u32, yy: i32, xx: i32) -> f32 {
  if (yy < 0 || yy >= params.h || xx < 0 || xx >= params.w) {
    return 0.0;
  }
  return x[base + u32(yy * params.w + xx)];
}

fn row4(base: u32, yy: i32, x0: i32) -> vec4<f32> {
  return vec4<f32>(px(base, yy, x0), px(base, yy, x0 + 1), px(base, yy, x0 + 2), px(base, yy, x0 + 3));
}

// Bᵀ·(d0..d5) of F(4x4), each di a vector of 4 independent columns.
fn bt6(d0: vec4<f32>, d1: vec4<f32>, d2: vec4<f32>, d3: vec4<f32>, d4: vec4<f32>, d5: vec4<f32>) -> array<vec4<f32>, 6> {
  let t31 = d3 - d1;
  let t42 = d4 - d2;
  return array<vec4<f32>, 6>(
    d0 * 4.0 - d2 * 5.0 + d4,
    (d3 + d4) - (d1 + d2) * 4.0,
    (d1 - d2) * 4.0 + (d4 - d3),
    t31 * 2.0 + t42,
    t42 - t31 * 2.0,
    d1 * 4.0 - d3 * 5.0 + d5,
  );
}

//#include flat_main I=idx LIMIT=total
//#include winograd_tile_of CH=c
  let y0 = i32((r / params.tilesW) * TILE) - params.pad;
  let x0 = i32((r % params.tilesW) * TILE) - params.pad;
  let base = (img * params.c + c) * u32(params.h * params.w);
  // v's stride between positions, and this thread's element of position 0.
  let plane = params.c * params.count;
  let at = c * params.count + lt;
  if (TILE == 2u) {
    let d0 = row4(base, y0, x0);
    let d1 = row4(base, y0 + 1, x0);
    let d2 = row4(base, y0 + 2, x0);
    let d3 = row4(base, y0 + 3, x0);
    // Bᵀ d (rows), then each row times B.
    var t = array<vec4<f32>, 4>(d0 - d2, d1 + d2, d2 - d1, d1 - d3);
    for (var i = 0u; i < 4u; i++) {
      let q = t[i];
      let o = vec4<f32>(q.x - q.z, q.y + q.z, q.z - q.y, q.y - q.w);
      for (var j = 0u; j < 4u; j++) {
        v[(i * 4u + j) * plane + at] = o[j];
      }
    }
  } else {
    // Each row of the 6x6 window as columns 0..3 (lo) and 4, 5 (hi).
    var lo: array<vec4<f32>, 6>;
    var hi: array<vec4<f32>, 6>;
    for (var i = 0u; i < 6u; i++) {
      let yy = y0 + i32(i);
      lo[i] = row4(base, yy, x0);
      hi[i] = vec4<f32>(px(base, yy, x0 + 4), px(base, yy, x0 + 5), 0.0, 0.0);
    }
    // Bᵀ d: rows; its columns (transposed) are the inputs of the second product.
    let sLo = bt6(lo[0], lo[1], lo[2], lo[3], lo[4], lo[5]);
    let sHi = bt6(hi[0], hi[1], hi[2], hi[3], hi[4], hi[5]);
    let a = transpose(mat4x4<f32>(sLo[0], sLo[1], sLo[2], sLo[3]));
    let b = transpose(mat4x4<f32>(sLo[4], sLo[5], vec4<f32>(0.0), vec4<f32>(0.0)));
    let e = transpose(mat4x4<f32>(sHi[0], sHi[1], sHi[2], sHi[3]));
    let f = transpose(mat4x4<f32>(sHi[4], sHi[5], vec4<f32>(0.0), vec4<f32>(0.0)));
    // rLo[j] holds V[i][j] for rows i = 0..3, rHi[j] for rows 4, 5.
    var rLo = bt6(a[0], a[1], a[2], a[3], e[0], e[1]);
    var rHi = bt6(b[0], b[1], b[2], b[3], f[0], f[1]);
    for (var j = 0u; j < 6u; j++) {
      let p = rLo[j];
      let q = rHi[j];
      for (var i = 0u; i < 4u; i++) {
        v[(i * 6u + j) * plane + at] = p[i];
      }
      v[(24u + j) * plane + at] = q.x;
      v[(30u + j) * plane + at] = q.y;
    }
  }
}
