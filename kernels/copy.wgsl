// copy: y = x.
//#template unary
//#set PARAMS
//#set Y v
