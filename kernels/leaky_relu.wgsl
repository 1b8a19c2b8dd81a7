// leakyRelu: y = x where x > 0, else x * negativeSlope.
//#template unary
//#set PARAMS
  slope: f32,
//#set Y select(v * p.slope, v, v > 0.0)
