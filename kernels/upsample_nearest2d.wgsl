// upsampleNearest2d by an integer scale: y[p, oi, oj] = x[p, oi / scale, oj / scale] (PyTorch's
// 'nearest' for an integer factor). One thread per output element, so the stores are
// coalesced; the 1-D grid is folded into 2-D (maxComputeWorkgroupsPerDimension).

const WG: u32 = {{WG}}u;

struct Params {
  total: u32,
  h: u32,
  w: u32,
  scale: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

//#include flat_main I=i LIMIT=total
  let ow = params.w * params.scale;
  // Rows of all planes are contiguous: output row `row` comes from input row row / scale.
  let row = i / ow;
  let col = i - row * ow;
  y[i] = x[(row / params.scale) * params.w + col / params.scale];
}
