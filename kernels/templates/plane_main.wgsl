//## The entry point of the instance-norm kernels: one workgroup of WG threads per (n, c) plane of
//## params.hw floats starting at base (planes folded into a 2-D grid, header: cg_group).
@compute @workgroup_size(WG, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let plane = cg_group(wid, nwg);
  if (plane >= params.planes) {
    return;
  }
  let hw = params.hw;
  let base = plane * hw;
  let fhw = f32(hw);
