// concat, one pass per input: input k (viewed as [outer, chunk] with chunk = size_k * inner)
// goes to columns [offset, offset + chunk) of the output rows of length `row`
// (the concatenated dim times inner). One invocation per element of input k.
struct Params {
  n: u32,
  chunk: u32,
  row: u32,
  offset: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

//#include elementwise_main
  let o = i / p.chunk;
  y[o * p.row + p.offset + (i - o * p.chunk)] = x[i];
}
