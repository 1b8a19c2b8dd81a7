//## The entry point of the one-thread-per-element kernels with a WG constant and `params`: I is the
//## element of the 1-D grid folded into 2-D (header: cg_flat); threads at or past params.LIMIT return.
@compute @workgroup_size(WG, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let [[I]] = cg_flat(wid, nwg, lid, WG);
  if ([[I]] >= params.[[LIMIT]]) {
    return;
  }
