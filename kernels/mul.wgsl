// mul: y = a * b over n elements; a side with broadcast_* != 0 has one element, used for all.
//#template binary
//#set OP *
