// The GPU ceiling: the adapter's measured FP32 rate, from a WGSL kernel in which every
// invocation runs 8 independent vec4 FMA chains (x = fma(x, a, b)), 8 x 4 lanes x 2 = 64 FLOP
// per iteration. `a` and `b` come from a uniform so the compiler cannot fold the chains.
// The grid and the iteration count grow until one dispatch takes `targetSeconds`, so the same
// code measures SwiftShader (a few GFLOP/s) and a data-centre GPU (tens of TFLOP/s).
// Browser-safe: takes a GPUDevice (the engine's, or one from navigator.gpu / Dawn).

const CHAINS = 8;
const FLOP_PER_ITER = CHAINS * 4 * 2;
const WG = 256;

const chains = [...Array(CHAINS).keys()];
const WGSL = `
struct P { iters: u32, a: f32, b: f32, pad: f32 }
@group(0) @binding(0) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(1) var<uniform> p: P;
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let id = gid.x + gid.y * nwg.x * ${WG}u;
  let a = vec4<f32>(p.a);
  let b = vec4<f32>(p.b);
  ${chains.map((i) => `var x${i} = vec4<f32>(f32(id % 1024u) * 1e-4 + ${(0.1 * (i + 1)).toFixed(1)});`).join('\n  ')}
  for (var i = 0u; i < p.iters; i++) {
    ${chains.map((i) => `x${i} = fma(x${i}, a, b);`).join(' ')}
  }
  out[id] = ${chains.map((i) => `x${i}`).join(' + ')};
}`;

export async function measureGpuFma(device, { targetSeconds = 0.25, maxIters = 1 << 20, reps = 3 } = {}) {
  const module = device.createShaderModule({ code: WGSL });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const maxGroupsX = Math.min(device.limits.maxComputeWorkgroupsPerDimension, 4096);
  const maxGroupsY = 8; // up to 8 x 4096 x 256 = 8M invocations: enough to fill any GPU
  const out = device.createBuffer({ size: maxGroupsX * maxGroupsY * WG * 16, usage: GPUBufferUsage.STORAGE });
  const uni = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const bind = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }, { binding: 1, resource: { buffer: uni } }] });

  const run = async (gx, gy, iters) => {
    const params = new ArrayBuffer(16);
    new Uint32Array(params, 0, 1)[0] = iters;
    new Float32Array(params, 4, 2).set([0.9999, 0.0001]);
    device.queue.writeBuffer(uni, 0, params);
    await device.queue.onSubmittedWorkDone();
    const t0 = performance.now();
    const enc = device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / 1e3;
  };

  try {
    // Grow the grid first (occupancy), then the iterations, until a dispatch is long enough.
    let gx = 64, gy = 1, iters = 4;
    await run(gx, gy, iters); // compiles and warms up
    for (let guard = 0; guard < 40; guard++) {
      const t = await run(gx, gy, iters);
      if (t >= targetSeconds) break;
      const grow = Math.min(8, Math.max(2, targetSeconds / Math.max(t, 1e-4)));
      if (gx < maxGroupsX) gx = Math.min(maxGroupsX, Math.ceil(gx * grow));
      else if (gy < maxGroupsY) gy = Math.min(maxGroupsY, Math.ceil(gy * grow));
      else if (iters < maxIters) iters = Math.min(maxIters, Math.ceil(iters * grow));
      else break;
    }
    let best = Infinity;
    for (let i = 0; i < reps; i++) best = Math.min(best, await run(gx, gy, iters));
    const flop = gx * gy * WG * iters * FLOP_PER_ITER;
    return { gflops: flop / best / 1e9, seconds: best, invocations: gx * gy * WG, iters, reps };
  } finally {
    out.destroy();
    uni.destroy();
  }
}
