//## The entry point of the tiled GEMM kernels (conv2d*.wgsl): 64 threads a workgroup, one
//## output tile a workgroup, the grid folded into 2-D; Params must end in `total`.
@compute @workgroup_size(64, 1, 1)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  // The grid is folded into 2-D (header: cg_group); the exit is uniform per workgroup, so the
  // barriers below stay in uniform control flow.
  let wg = cg_group(wid, nwg);
  if (wg >= params.total) {
    return;
  }
