// sliceGrad: dx = 0 except dx[o, start:start+len] = dy[o, :] (the gradient of slice); rows of
// `row_in` = size*inner floats in dx, `row_out` = len*inner in dy, the slice at `skip`.
// One invocation per element of dx.
struct Params {
  n: u32,
  row_out: u32,
  row_in: u32,
  skip: u32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

//#include elementwise_main
  let o = i / p.row_in;
  let c = i - o * p.row_in;
  var v = 0.0;
  if (c >= p.skip && c - p.skip < p.row_out) {
    v = dy[o * p.row_out + (c - p.skip)];
  }
  dx[i] = v;
}
