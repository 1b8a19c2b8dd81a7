//## Elementwise ops of one input: y = Y(v) with v = x[i]; an instance sets PARAMS (its Params
//## fields after n, or an empty block) and Y (the expression).
// One invocation per element; {{WG}} is the workgroup size.
struct Params {
  n: u32,
[[PARAMS]]
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

//#include elementwise_main
  let v = x[i];
  y[i] = [[Y]];
}
