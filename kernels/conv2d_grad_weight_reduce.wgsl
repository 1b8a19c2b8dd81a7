// Second pass of conv2d_grad_weight.wgsl (and of convTranspose2d's weight gradient): adds the
// `slices` partial weight gradients part[slice][count] into dW[count], slice 0 first, so the
// result does not depend on scheduling. One thread per weight element.

const WG: u32 = {{WG}}u;

struct Params {
  count: u32,
  slices: u32,
}

@group(0) @binding(0) var<storage, read> part: array<f32>;
@group(0) @binding(1) var<storage, read_write> dw: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

//#include flat_main I=i LIMIT=count
  var s = 0.0;
  for (var k = 0u; k < params.slices; k++) {
    s += part[k * params.count + i];
  }
  dw[i] = s;
}
