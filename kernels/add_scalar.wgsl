// addScalar: y = x + value.
//#template unary
//#set PARAMS
  value: f32,
//#set Y v + p.value
