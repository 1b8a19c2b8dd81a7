//## The entry point of the one-invocation-per-element kernels: i is the element, and invocations
//## past p.n (the last workgroup's rest) return. Params must start with `n: u32`.
@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = cg_flat(wid, nwg, lid, {{WG}}u);
  if (i >= p.n) {
    return;
  }
