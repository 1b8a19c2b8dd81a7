// l1LossGrad: dInput = sign(input - target) * (dLoss / n), sign(0) = sign(NaN) = 0 like PyTorch.
// One invocation per element.
struct Params {
  n: u32,
  count: f32,
}

@group(0) @binding(0) var<storage, read> inp: array<f32>;
@group(0) @binding(1) var<storage, read> tgt: array<f32>;
@group(0) @binding(2) var<storage, read> dloss: array<f32>;
@group(0) @binding(3) var<storage, read_write> dinput: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size({{WG}})
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = cg_flat(wid, nwg, lid, {{WG}}u);
  if (i >= p.n) {
    return;
  }
  let g = dloss[0] / p.count;
  let d = inp[i] - tgt[i];
  dinput[i] = select(select(0.0, -g, d < 0.0), g, d > 0.0);
}
