// mean: result[0] = the mean of x[0:n].
//#template reduction
//#set RESULT_NOTE (divided by n; NaN for n = 0, like PyTorch)
//#set INPUTS
@group(0) @binding(#) var<storage, read> x: array<f32>;
//#set TERM
    s += x[i];
//#set RESULT
  result[0] = select(s / f32(p.n), cg_nan(p.n), p.n == 0u);
