// upsampleNearest2d's backward: dx[p, i, j] = sum of the scale x scale block of dy it was copied
// to. One thread per input element (a gather, no atomics), the 1-D grid folded into 2-D.

const WG: u32 = {{WG}}u;

struct Params {
  total: u32,
  h: u32,
  w: u32,
  scale: u32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

//#include flat_main I=idx LIMIT=total
  let s = params.scale;
  let ow = params.w * s;
  // Input row r (over all planes) made output rows r*s .. r*s + s-1.
  let r = idx / params.w;
  let j = idx - r * params.w;
  var acc = 0.0;
  for (var a = 0u; a < s; a++) {
    let base = (r * s + a) * ow + j * s;
    for (var b = 0u; b < s; b++) {
      acc += dy[base + b];
    }
  }
  dx[idx] = acc;
}
