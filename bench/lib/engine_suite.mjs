// The engine's side of the benchmark: builds each case (bench/lib/cases.mjs) on an engine and
// times it. Shared by Node (bench/run.mjs) and the browser page's worker (bench/web/worker.js):
// it receives the library module and Benchmark instead of importing them.
//
// Op cases time one kernel each. Gradients are dispatched directly as the kernels the
// autograd rules call (engine.runKernel with the same geometry), so that the forward, the
// input gradient and the weight gradient get a row each instead of one mixed backward time.
import { timeCase, timeOnce } from './measure.mjs';
import { countFlops } from './flops.mjs';

const SEED = 1;

/** Output size of a conv or transposed conv case. */
function convGeometry(c) {
  const [n, cIn, h, w] = c.x;
  const k = c.weight[2];
  if (c.op === 'conv2d') {
    const oh = Math.floor((h + 2 * c.padding - k) / c.stride) + 1;
    const ow = Math.floor((w + 2 * c.padding - k) / c.stride) + 1;
    return { n, cIn, h, w, cOut: c.weight[0], kh: k, kw: k, oh, ow, strideH: c.stride, strideW: c.stride, padH: c.padding, padW: c.padding };
  }
  const oh = (h - 1) * c.stride - 2 * c.padding + k + c.outputPadding;
  const ow = (w - 1) * c.stride - 2 * c.padding + k + c.outputPadding;
  return { n, cIn, h, w, cOut: c.weight[1], kh: k, kw: k, oh, ow, strideH: c.stride, strideW: c.stride, padH: c.padding, padW: c.padding };
}

/** Builds one op case: its inputs and a synchronous call that disposes its outputs. */
function buildOp(lib, engine, c) {
  const made = [];
  const t = (x) => (made.push(x), x);
  const x = t(engine.randn(c.x, { seed: SEED }));
  const run = (kernel, inputs, outShapes, attrs) => () => {
    for (const o of engine.runKernel('bench', kernel, inputs, outShapes, attrs)) o?.dispose();
  };
  let call;
  let kernel;
  if (c.op === 'conv2d' || c.op === 'convTranspose2d') {
    const g = convGeometry(c);
    const w = t(engine.randn(c.weight, { seed: SEED + 1, std: 0.05 }));
    const b = t(engine.randn([g.cOut], { seed: SEED + 2 }));
    const dy = t(engine.randn([g.n, g.cOut, g.oh, g.ow], { seed: SEED + 3 }));
    const T = c.op === 'conv2d' ? 'conv2d' : 'convTranspose2d';
    // conv2d runs the kernel the op would pick for this shape on this backend: Winograd for the
    // 3x3 stride-1 shapes where it is faster (src/ops/conv2d_algorithm.ts), else the direct one.
    // Its rate is then "effective" (the direct count of multiply-adds over the time).
    const winograd = (gradInput) =>
      c.op === 'conv2d' && typeof lib.winogradPays === 'function' && lib.winogradPays(g, gradInput, engine.backend) &&
      engine._hasKernel(gradInput ? 'conv2dGradInputWinograd' : 'conv2dWinograd');
    // The forward as inference runs it (F(4x4, 3x3)), the input gradient as training does (F(2x2, 3x3)).
    if (c.dir === 'forward') {
      kernel = winograd(false) ? 'conv2dWinograd' : T;
      call = run(kernel, [x, w, b], [[g.n, g.cOut, g.oh, g.ow]], { ...g, hasBias: true, tile: 4 });
    } else if (c.dir === 'gradInput') {
      kernel = winograd(true) ? 'conv2dGradInputWinograd' : `${T}GradInput`;
      call = run(kernel, [dy, w], [c.x], { ...g, tile: 2 });
    }
    else call = run(`${T}GradWeight`, [dy, x], [c.weight], g);
  } else if (c.op === 'upsampleConv2d') {
    const [n, cIn, h, w] = c.x;
    const cOut = c.weight[0];
    const a = { n, cIn, h, w, cOut };
    const wt = t(engine.randn(c.weight, { seed: SEED + 1, std: 0.05 }));
    const b = t(engine.randn([cOut], { seed: SEED + 2 }));
    const dy = t(engine.randn([n, cOut, 2 * h, 2 * w], { seed: SEED + 3 }));
    if (c.dir === 'forward') call = run('upsampleConv2d', [x, wt, b], [[n, cOut, 2 * h, 2 * w]], { ...a, hasBias: true });
    else if (c.dir === 'gradInput') call = run('upsampleConv2dGradInput', [dy, wt], [c.x], a);
    else call = run('upsampleConv2dGradWeight', [dy, x], [c.weight], a);
  } else if (c.op === 'instanceNorm2d') {
    const [n, ch, h, w] = c.x;
    const attrs = { n, c: ch, hw: h * w, eps: 1e-5, affine: false };
    if (c.dir === 'forward') call = run('instanceNorm2d', [x, null, null], [c.x, [n * ch], [n * ch]], attrs);
    else {
      const [y, mean, invStd] = engine.runKernel('bench', 'instanceNorm2d', [x, null, null], [c.x, [n * ch], [n * ch]], attrs);
      y.dispose();
      t(mean);
      t(invStd);
      const dy = t(engine.randn(c.x, { seed: SEED + 3 }));
      call = run('instanceNorm2dGrad', [dy, x, mean, invStd, null], [c.x, null, null], { n, c: ch, hw: h * w, affine: false });
    }
  } else if (c.op === 'reflectionPad2d' || c.op === 'zeroPad2d') {
    const [n, ch, h, w] = c.x;
    const [left, right, top, bottom] = c.pad;
    const attrs = { nc: n * ch, h, w, left, right, top, bottom };
    const out = [n, ch, h + top + bottom, w + left + right];
    if (c.dir === 'forward') call = run(c.op, [x], [out], attrs);
    else call = run(`${c.op}Grad`, [t(engine.randn(out, { seed: SEED + 3 }))], [c.x], attrs);
  } else if (c.op === 'upsampleNearest2d') {
    const [n, ch, h, w] = c.x;
    const attrs = { nc: n * ch, h, w, scale: c.scale };
    const out = [n, ch, h * c.scale, w * c.scale];
    if (c.dir === 'forward') call = run('upsampleNearest2d', [x], [out], attrs);
    else call = run('upsampleNearest2dGrad', [t(engine.randn(out, { seed: SEED + 3 }))], [c.x], attrs);
  } else {
    throw new Error(`unknown op case ${c.op}`);
  }
  return { fn: async () => { call(); await engine.sync(); }, dispose: () => made.forEach((m) => m.dispose()), kernel };
}

/** Builds one end-to-end case on the engine, with the reference's seeded initial weights. */
function buildE2e(lib, engine, c) {
  const { GeneratorResNet, Discriminator, CycleGANTrainer, initWeightsNormal } = lib;
  if (c.kind === 'generator' || c.kind === 'discriminator') {
    const net = c.kind === 'generator'
      ? new GeneratorResNet(engine, [3, c.size, c.size], c.blocks)
      : new Discriminator(engine, [3, c.size, c.size]);
    initWeightsNormal(net, { seed: SEED });
    net.eval();
    const x = engine.randn([1, 3, c.size, c.size], { seed: SEED + 4, std: 0.5 });
    return {
      fn: async () => {
        engine.noGrad(() => engine.tidy(() => net.forward(x))).dispose();
        await engine.sync();
      },
      dispose: () => { x.dispose(); net.dispose(); },
    };
  }
  const trainer = new CycleGANTrainer(engine, {
    imgHeight: c.size, imgWidth: c.size, nResidualBlocks: c.blocks, nEpochs: 1, decayEpoch: 0, seed: SEED,
  });
  const a = engine.randn([1, 3, c.size, c.size], { seed: SEED + 5, std: 0.5 });
  const b = engine.randn([1, 3, c.size, c.size], { seed: SEED + 6, std: 0.5 });
  return {
    // step() reads the losses back, so the GPU queue has drained when it resolves
    fn: async () => { await trainer.step(a, b); },
    dispose: () => { a.dispose(); b.dispose(); trainer.dispose(); },
  };
}

/**
 * Times the cases on `engine`. `plan(case)` decides per case: { mode: 'sample' | 'once' |
 * 'skip', reason } (the software-GPU budget, see bench/lib/budget.mjs). Returns one result per
 * case: { id, ..., medianMs, rme, samples, method, flop, bytes, dispatch } or { id, skipped }.
 */
export async function runEngineCases({ lib, engine, Benchmark, cases, sampling, plan = () => ({ mode: 'sample' }), onceAbove = Infinity, onResult = () => {} }) {
  const results = [];
  for (const c of cases) {
    let p = plan(c);
    const base = { id: c.id, group: c.kind ? 'e2e' : 'op', flop: c.flop ?? 0, bytes: c.bytes ?? 0 };
    if (p.mode === 'skip') {
      const r = { ...base, skipped: p.reason };
      results.push(r);
      onResult(r);
      continue;
    }
    let built;
    try {
      built = c.kind ? buildE2e(lib, engine, c) : buildOp(lib, engine, c);
      // The first call is the warm-up; for end-to-end cases it also counts FLOPs and records
      // which backend ran each kernel and the bytes moved (the dispatch report of one call).
      engine.resetDispatchReport();
      const w0 = performance.now();
      if (c.kind) base.flop = await countFlops(engine, built.fn);
      else await built.fn();
      const warmSeconds = (performance.now() - w0) / 1e3;
      if (c.kind) base.dispatch = summarizeDispatch(engine.dispatchReport());
      if (built.kernel) base.kernel = built.kernel;
      // A case whose warm-up took longer than `onceAbove` seconds gets one timed call (labelled):
      // sampling a 30 s training step would eat the whole quick budget.
      if (p.mode === 'sample' && warmSeconds > onceAbove) p = { mode: 'once', reason: `single timed run (one call takes ${warmSeconds.toFixed(0)} s)` };
      const t = p.mode === 'once'
        ? await timeOnce(built.fn, { warmup: 0 })
        : await timeCase(Benchmark, built.fn, { ...sampling(c), warmup: 0 });
      const r = { ...base, ...t, ...(p.reason ? { note: p.reason } : {}) };
      results.push(r);
      onResult(r);
    } catch (e) {
      const r = { ...base, error: String(e?.message ?? e).split('\n')[0] };
      results.push(r);
      onResult(r);
    } finally {
      built?.dispose();
    }
  }
  return results;
}

/** The dispatch report of one call, trimmed to what a reader compares: per kernel, calls per backend. */
export function summarizeDispatch(report) {
  const kernels = {};
  for (const [k, v] of Object.entries(report.kernels)) {
    kernels[k] = { ...(v.webgpu ? { webgpu: v.webgpu } : {}), ...(v.wasm ? { wasm: v.wasm } : {}), ...(v.bytesMoved ? { bytesMoved: v.bytesMoved } : {}), ...(v.fallbacks ? { fallbacks: v.fallbacks } : {}) };
  }
  const calls = { webgpu: 0, wasm: 0 };
  for (const v of Object.values(report.kernels)) {
    calls.webgpu += v.webgpu ?? 0;
    calls.wasm += v.wasm ?? 0;
  }
  return { backend: report.backend, adapter: report.selection.adapter ?? null, calls, bytesMoved: report.bytesMoved, kernels };
}
