// zeroPad2d: y[p, oi, oj] = x[p, oi - top, oj - left] inside the input, 0 in the pad; per-side
// pads, so asymmetric ZeroPad2d((1, 0, 1, 0)) needs no special case. One thread per output
// element, the 1-D grid folded into 2-D (maxComputeWorkgroupsPerDimension).

//#include pad_params

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

//#include flat_main I=i LIMIT=total
  let opl = u32(params.oh * params.ow);
  let p = i / opl;
  let rem = i32(i - p * opl);
  let si = rem / params.ow - params.top;
  let sj = rem % params.ow - params.left;
  var v = 0.0;
  if (si >= 0 && si < params.h && sj >= 0 && sj < params.w) {
    v = x[p * u32(params.h * params.w) + u32(si * params.w + sj)];
  }
  y[i] = v;
}
