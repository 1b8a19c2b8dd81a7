// upsampleConv2d's phase weights: wp [4*cOut, cIn, 2, 2] from the 3x3 weight w [cOut, cIn, 3, 3],
//   wp[ph = py*2+px, co, ci, ti, tj] = Σ_{i in S(py,ti)} Σ_{j in S(px,tj)} w[co, ci, i, j]
// with S(0,0) = {0}, S(0,1) = {1,2}, S(1,0) = {0,1}, S(1,1) = {2} (the rows, then columns, of the
// 3x3 window that read the same input pixel once x is upsampled by 2; see
// assembly/upsample_conv2d.ts, which sums in the same order). One thread per wp element.

const WG: u32 = {{WG}}u;

struct Params {
  total: u32,
  planes: u32,
}

@group(0) @binding(0) var<storage, read> w: array<f32>;
@group(0) @binding(1) var<storage, read_write> wp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn tap_lo(p: u32, t: u32) -> u32 {
  if (p == 0u) {
    return select(1u, 0u, t == 0u);
  }
  return select(2u, 0u, t == 0u);
}

fn tap_hi(p: u32, t: u32) -> u32 {
  if (p == 0u) {
    return select(2u, 0u, t == 0u);
  }
  return select(2u, 1u, t == 0u);
}

//#include flat_main I=idx LIMIT=total
  let tj = idx & 1u;
  let ti = (idx >> 1u) & 1u;
  let k = (idx >> 2u) % params.planes;
  let ph = (idx >> 2u) / params.planes;
  let py = ph >> 1u;
  let px = ph & 1u;
  var s = 0.0;
  for (var i = tap_lo(py, ti); i <= tap_hi(py, ti); i = i + 1u) {
    for (var j = tap_lo(px, tj); j <= tap_hi(px, tj); j = j + 1u) {
      s = s + w[k * 9u + i * 3u + j];
    }
  }
  wp[idx] = s;
}
