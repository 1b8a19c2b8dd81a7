// upsampleConv2d's gradients start here: dz [n, 4*cOut, h+1, w+1] from dy [n, cOut, 2h, 2w], the
// adjoint of upsample_conv2d.wgsl's interleave (a gather: each dz element is one dy element, or
// 0 where no output reads it). Both gradients then run conv2d's lowered products on dz.

const WG: u32 = {{WG}}u;

struct Params {
  total: u32,
  c_out: u32,
  h: u32,
  w: u32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dz: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

//#include flat_main I=i LIMIT=total
  let zw = params.w + 1u;
  let zh = params.h + 1u;
  let s = i % zw;
  let r = (i / zw) % zh;
  let plane = i / (zw * zh);
  let co = plane % params.c_out;
  let ph = (plane / params.c_out) % 4u;
  let img = plane / (4u * params.c_out);
  let py = ph >> 1u;
  let px = ph & 1u;
  // z row r of phase py holds output row 2(r-py)+py for r-py in [0, h); likewise columns.
  if (r < py || r - py >= params.h || s < px || s - px >= params.w) {
    dz[i] = 0.0;
    return;
  }
  let oy = 2u * (r - py) + py;
  let ox = 2u * (s - px) + px;
  dz[i] = dy[((img * params.c_out + co) * 2u * params.h + oy) * 2u * params.w + ox];
}
