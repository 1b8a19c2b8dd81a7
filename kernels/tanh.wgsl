// tanh. The argument is clamped to [-15, 15], where tanh is +-1 in float32: some
// drivers compute tanh from exp(2x) and return NaN for large |x| (SwiftShader does at 100).
//#template unary
//#set PARAMS
//#set Y tanh(clamp(v, -15.0, 15.0))
