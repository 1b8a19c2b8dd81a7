// slice: y[o, 0:len] = x[o, start:start+len] along a dim of `size`, each unit `inner` floats:
// rows of `row_out` = len*inner floats taken at `skip` = start*inner in rows of `row_in`.
// One invocation per output element.
struct Params {
  n: u32,
  row_out: u32,
  row_in: u32,
  skip: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

//#include elementwise_main
  let o = i / p.row_out;
  y[i] = x[o * p.row_in + p.skip + (i - o * p.row_out)];
}
