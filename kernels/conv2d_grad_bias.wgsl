// dbias[c] = Σ over images and pixels of dy[n, c, :]; also convTranspose2d's bias gradient.
// One workgroup per channel: each thread sums a strided share of the channel's n*hw values
// (consecutive threads read consecutive floats), then a tree reduction in workgroup memory
// adds the WG partial sums. Short per-thread chains plus a balanced tree keep the f32 error
// far below the 1e-3 budget even for large planes.

const WG: u32 = {{WG}}u;

struct Params {
  n: u32,
  c: u32,
  hw: u32,
}

@group(0) @binding(0) var<storage, read> dy: array<f32>;
@group(0) @binding(1) var<storage, read_write> dbias: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let ch = cg_group(wid, nwg);
  if (ch >= params.c) {
    return;
  }
  var s = 0.0;
  for (var b = 0u; b < params.n; b++) {
    let base = (b * params.c + ch) * params.hw;
    for (var i = lid; i < params.hw; i += WG) {
      s += dy[base + i];
    }
  }
  partial[lid] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    dbias[ch] = partial[0];
  }
}
