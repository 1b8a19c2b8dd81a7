// zeroPad2d's backward: dx is the interior of dy. One thread per input element, the 1-D grid
// folded into 2-D.

//#include pad_params

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

//#include flat_main I=idx LIMIT=total
  let ipl = u32(params.h * params.w);
  let p = idx / ipl;
  let rem = i32(idx - p * ipl);
  let i = rem / params.w;
  let j = rem - i * params.w;
  dx[idx] = dy[p * u32(params.oh * params.ow) + u32((i + params.top) * params.ow + j + params.left)];
}
