// broadcastScalar: y[i] = x[0] * scale, the gradient of sum (scale 1) and mean (scale 1/n).
//#template unary
//#set PARAMS
  scale: f32,
//#set Y x[0] * p.scale
