// upsampleConv2d's last step: y [n, cOut, 2h, 2w] from z [n, 4*cOut, h+1, w+1], the conv2d of x
// with the four 2x2 phase weights (upsample_conv2d_phase_weights.wgsl) and padding 1:
//   y[n, co, 2a+py, 2b+px] = z[n, (py*2+px)*cOut + co, a+py, b+px] + bias[co]
// (src/backends/webgpu/kernels/upsample_conv.ts and assembly/upsample_conv2d.ts say why).
// One thread per output element; the 1-D grid is folded into 2-D.

const WG: u32 = {{WG}}u;

struct Params {
  total: u32,
  c_out: u32,
  h: u32,
  w: u32,
  has_bias: u32,
}

@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

//#include flat_main I=i LIMIT=total
  let ow = 2u * params.w;
  let oh = 2u * params.h;
  let ox = i % ow;
  let oy = (i / ow) % oh;
  let plane = i / (ow * oh);
  let co = plane % params.c_out;
  let img = plane / params.c_out;
  let py = oy & 1u;
  let px = ox & 1u;
  let zw = params.w + 1u;
  let zc = ((img * 4u + py * 2u + px) * params.c_out + co);
  var v = z[(zc * (params.h + 1u) + oy / 2u + py) * zw + ox / 2u + px];
  if (params.has_bias != 0u) {
    v = v + bias[co];
  }
  y[i] = v;
}
