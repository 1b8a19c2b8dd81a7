//## Elementwise kernels with their own bindings: an instance sets PARAMS (its Params fields after
//## n, or an empty block), BINDINGS (`@binding(#)`, numbered in order; the uniform comes last) and
//## BODY (the statements for element i).
struct Params {
  n: u32,
[[PARAMS]]
}

[[BINDINGS]]
@group(0) @binding(#) var<uniform> p: Params;

//#include elementwise_main
[[BODY]]
}
