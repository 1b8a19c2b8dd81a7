// relu: y = x where x > 0, else 0 (NaN stays NaN, like PyTorch). Twin of assembly/activation.ts relu.
//#template unary
//#set PARAMS
//#set Y select(v, 0.0, v <= 0.0)
