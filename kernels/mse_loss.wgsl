// mseLoss: result[0] = mean((input - target)^2), the square formed in float32 as PyTorch forms it.
//#template reduction
//#set RESULT_NOTE (divided by n; NaN for n = 0, like PyTorch)
//#set INPUTS
@group(0) @binding(#) var<storage, read> inp: array<f32>;
@group(0) @binding(#) var<storage, read> tgt: array<f32>;
//#set TERM
    let d = inp[i] - tgt[i];
    s += d * d;
//#set RESULT
  result[0] = select(s / f32(p.n), cg_nan(p.n), p.n == 0u);
