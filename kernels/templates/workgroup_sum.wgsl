//## workgroupSum(lid, v): the sum of v (of type T) over the workgroup's WG threads, a balanced tree
//## in workgroup memory (instance_norm.wgsl, instance_norm_grad.wgsl).
var<workgroup> red: array<[[T]], WG>;

// Sum of v over the workgroup (every thread gets it). Called in uniform control flow.
fn workgroupSum(lid: u32, v: [[T]]) -> [[T]] {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) {
      red[lid] += red[lid + s];
    }
    workgroupBarrier();
  }
  let total = red[0];
  // Nobody may overwrite red[0] (next call) before everyone has read it.
  workgroupBarrier();
  return total;
}
