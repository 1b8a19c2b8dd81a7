//## The entry point of the kernels that draw from the Philox stream (dropout, randomUniform,
//## randomNormal): invocation b takes elements i0 = 4b .. 4b+3 and w, Philox block b of p.seed
//## (header: cg_philox), one 32-bit word per element as in assembly/random.ts.
@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let b = cg_flat(wid, nwg, lid, {{WG}}u);
  let i0 = b * 4u;
  if (i0 >= p.n) {
    return;
  }
  let w = cg_philox(b, p.seed);
