// reflectionPad2d: y[p, oi, oj] = x[p, reflect(oi - top, h), reflect(oj - left, w)] over [nc] planes,
// reflecting without repeating the edge (PyTorch's ReflectionPad2d; pads are < the size). One
// thread per output element, the 1-D grid folded into 2-D (maxComputeWorkgroupsPerDimension).

//#include pad_params

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

fn reflectIndex(p: i32, size: i32) -> i32 {
  if (p < 0) {
    return -p;
  }
  if (p >= size) {
    return 2 * (size - 1) - p;
  }
  return p;
}

//#include flat_main I=i LIMIT=total
  let opl = u32(params.oh * params.ow);
  let p = i / opl;
  let rem = i32(i - p * opl);
  let oi = rem / params.ow;
  let oj = rem - oi * params.ow;
  let si = reflectIndex(oi - params.top, params.h);
  let sj = reflectIndex(oj - params.left, params.w);
  y[i] = x[p * u32(params.h * params.w) + u32(si * params.w + sj)];
}
