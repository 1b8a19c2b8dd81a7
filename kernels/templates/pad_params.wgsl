//## The uniform of zero_pad2d.wgsl, zero_pad2d_grad.wgsl and reflection_pad2d.wgsl: `total` threads over
//## [planes, oh, ow] or [planes, h, w], the input h x w placed at (top, left) of the output oh x ow.
const WG: u32 = {{WG}}u;

struct Params {
  total: u32,
  h: i32,
  w: i32,
  left: i32,
  top: i32,
  oh: i32,
  ow: i32,
}
