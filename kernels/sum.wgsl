// sum: result[0] = the sum of x[0:n].
//#template reduction
//#set RESULT_NOTE (the sum itself; 0 for n = 0)
//#set INPUTS
@group(0) @binding(#) var<storage, read> x: array<f32>;
//#set TERM
    s += x[i];
//#set RESULT
  result[0] = s;
