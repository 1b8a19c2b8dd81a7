//## Full reductions to one value (sum, mean, l1Loss, mseLoss): the tree of sequential sums
//## the WebGPU backend drives level by level (src/backends/webgpu/kernels/). An instance sets
//## INPUTS (its input bindings, `@binding(#)`), TERM (adds term i to s), RESULT_NOTE and
//## RESULT (writes result[0] from the total s).
// A tree of sequential sums, with no workgroup barriers (they are very slow on software
// renderers such as SwiftShader, and a plain loop of 16-64 loads is cheap on any GPU):
//   reduce_terms: invocation t < threads sums term(i) for i = t, t + threads, ... (coalesced)
//                 into dst[t];
//   reduce_sums:  invocation t sums src[64t .. 64t+63] (of `count`) into dst[t], repeated until
//                 at most 64 values are left;
//   reduce_last:  one invocation sums the last `count` values and writes the result
//                 [[RESULT_NOTE]].
// Float32 throughout; each value is a sum of at most 64 terms of the level below, so the
// rounding error grows with the number of levels (log64 n), not with n.
struct Params {
  n: u32,
  count: u32,
  threads: u32,
}

[[INPUTS]]
@group(0) @binding(#) var<storage, read_write> result: array<f32>;
@group(0) @binding(#) var<storage, read> src: array<f32>;
@group(0) @binding(#) var<storage, read_write> dst: array<f32>;
@group(0) @binding(#) var<uniform> p: Params;

@compute @workgroup_size({{WG}})
fn reduce_terms(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let t = cg_flat(wid, nwg, lid, {{WG}}u);
  if (t >= p.threads) {
    return;
  }
  var s = 0.0;
  for (var i = t; i < p.n; i += p.threads) {
    [[TERM]]
  }
  dst[t] = s;
}

@compute @workgroup_size({{WG}})
fn reduce_sums(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let t = cg_flat(wid, nwg, lid, {{WG}}u);
  if (t >= p.threads) {
    return;
  }
  let end = min(t * 64u + 64u, p.count);
  var s = 0.0;
  for (var i = t * 64u; i < end; i++) {
    s += src[i];
  }
  dst[t] = s;
}

@compute @workgroup_size(1)
fn reduce_last() {
  var s = 0.0;
  for (var i = 0u; i < p.count; i++) {
    s += src[i];
  }
  [[RESULT]]
}
