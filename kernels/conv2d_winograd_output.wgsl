// conv2dWinograd, pass 4 (once per chunk of tiles): the output transform Y = Aᵀ m A (+ bias) of
// every output channel and tile of the chunk, from the products m[(pos*M + co)*count + t - t0]
// (conv2d_winograd_gemm.wgsl), into y [n, M, oh, ow] (a partial last tile writes what fits).
// The transforms of assembly/winograd_f2.ts and winograd_transforms.ts:
//   F(2x2): Aᵀ = [1 1 1 0; 0 1 -1 -1]
//   F(4x4): Aᵀ·m = (m0 + (m1 + m2) + (m3 + m4), (m1 - m2) + 2(m3 - m4),
//                   (m1 + m2) + 4(m3 + m4), (m1 - m2) + 8(m3 - m4) + m5)
// One invocation per (channel, tile), tiles fastest.

const WG: u32 = {{WG}}u;
const TILE: u32 = {{TILE}}u;

struct Params {
  total: u32,
  m: u32,
  oh: u32,
  ow: u32,
  tilesW: u32,
  tilesPerImage: u32,
  t0: u32,
  count: u32,
  hasBias: u32,
}

@group(0) @binding(0) var<storage, read> prod: array<f32>;
// Bound to a dummy (or any read-only buffer) when hasBias is 0; never read then.
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

// Aᵀ·(m0..m5) of F(4x4), each mi a vector of 4 independent columns.
fn at4(m0: vec4<f32>, m1: vec4<f32>, m2: vec4<f32>, m3: vec4<f32>, m4: vec4<f32>, m5: vec4<f32>) -> array<vec4<f32>, 4> {
  let s = m1 + m2;
  let d = m1 - m2;
  let s2 = m3 + m4;
  let d2 = m3 - m4;
  return array<vec4<f32>, 4>(m0 + s + s2, d + d2 * 2.0, s + s2 * 4.0, d + d2 * 8.0 + m5);
}

//#include flat_main I=idx LIMIT=total
//#include winograd_tile_of CH=co
  let oy0 = (r / params.tilesW) * TILE;
  let ox0 = (r % params.tilesW) * TILE;
  let plane = params.m * params.count;
  let at = co * params.count + lt;
  var shift = 0.0;
  if (params.hasBias != 0u) {
    shift = bias[co];
  }
  let base = (img * params.m + co) * params.oh * params.ow;
  // rows[i] is output row i of the tile (columns 0..TILE-1).
  var rows: array<vec4<f32>, 4>;
  if (TILE == 2u) {
    var q: array<vec4<f32>, 4>;
    for (var i = 0u; i < 4u; i++) {
      let p = i * 4u * plane + at;
      q[i] = vec4<f32>(prod[p], prod[p + plane], prod[p + 2u * plane], prod[p + 3u * plane]);
    }
    let r0 = q[0] + q[1] + q[2];
    let r1 = q[1] - q[2] - q[3];
    rows[0] = vec4<f32>(r0.x + r0.y + r0.z, r0.y - r0.z - r0.w, 0.0, 0.0);
    rows[1] = vec4<f32>(r1.x + r1.y + r1.z, r1.y - r1.z - r1.w, 0.0, 0.0);
  } else {
    var lo: array<vec4<f32>, 6>;
    var hi: array<vec4<f32>, 6>;
    for (var i = 0u; i < 6u; i++) {
      let p = i * 6u * plane + at;
      lo[i] = vec4<f32>(prod[p], prod[p + plane], prod[p + 2u * plane], prod[p + 3u * plane]);
      hi[i] = vec4<f32>(prod[p + 4u * plane], prod[p + 5u * plane], 0.0, 0.0);
    }
    // Aᵀ m: 4 rows; its columns (transposed) are the inputs of the second product, whose
    // results c[j] hold column j of Y over rows 0..3.
    let sLo = at4(lo[0], lo[1], lo[2], lo[3], lo[4], lo[5]);
    let sHi = at4(hi[0], hi[1], hi[2], hi[3], hi[4], hi[5]);
    let a = transpose(mat4x4<f32>(sLo[0], sLo[1], sLo[2], sLo[3]));
    let e = transpose(mat4x4<f32>(sHi[0], sHi[1], sHi[2], sHi[3]));
    let c = at4(a[0], a[1], a[2], a[3], e[0], e[1]);
    let yt = transpose(mat4x4<f32>(c[0], c[1], c[2], c[3]));
    rows[0] = yt[0];
    rows[1] = yt[1];
    rows[2] = yt[2];
    rows[3] = yt[3];
  }
  for (var i = 0u; i < TILE; i++) {
    let oy = oy0 + i;
    if (oy >= params.oh) {
      break;
    }
    let row = rows[i];
    for (var j = 0u; j < TILE; j++) {
      let ox = ox0 + j;
      if (ox < params.ow) {
        y[base + oy * params.ow + ox] = row[j] + shift;
      }
    }
  }
}
