// upsampleConv2d's weight gradient, last step: dw [cOut, cIn, 3, 3] from the phase weights'
// gradient dwp [4*cOut, cIn, 2, 2], the adjoint of upsample_conv2d_phase_weights.wgsl. Each 3x3
// tap (i, j) is read by exactly one 2x2 tap of each phase: row i by tap ti = (i == 0 ? 0 : 1)
// of phase row 0 and ti = (i == 2 ? 1 : 0) of phase row 1. Phases are added in order 0..3, as
// assembly/upsample_conv2d.ts does. One thread per dw element.

const WG: u32 = {{WG}}u;

struct Params {
  total: u32,
  planes: u32,
}

@group(0) @binding(0) var<storage, read> dwp: array<f32>;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn tap_of(p: u32, i: u32) -> u32 {
  if (p == 0u) {
    return select(1u, 0u, i == 0u);
  }
  return select(0u, 1u, i == 2u);
}

//#include flat_main I=idx LIMIT=total
  let k = idx / 9u;
  let t = idx % 9u;
  let i = t / 3u;
  let j = t % 3u;
  var s = 0.0;
  for (var ph = 0u; ph < 4u; ph = ph + 1u) {
    let py = ph >> 1u;
    let px = ph & 1u;
    s = s + dwp[(ph * params.planes + k) * 4u + tap_of(py, i) * 2u + tap_of(px, j)];
  }
  dw[idx] = s;
}
