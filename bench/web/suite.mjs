// The benchmark in the browser page's worker: the same cases, timing and results layout as
// bench/run.mjs, on the engine's WASM and WebGPU backends and on TF.js's WebGPU and WASM
// backends (the peers a page can run: no PyTorch or ORT here). Imported by bench/web/worker.js
// after it loaded benchmark.js and TF.js's UMD bundles, so `Benchmark` and `tf` are globals.
import { e2eCases, opCases, preset as getPreset } from '../lib/cases.mjs';
import { runEngineCases } from '../lib/engine_suite.mjs';
import { measureSingleCore } from '../lib/ceiling_wasm.mjs';
import { measureGpuFma } from '../lib/ceiling_gpu.mjs';
import { softwareGpuPlanner } from '../lib/budget.mjs';
import { derive } from '../lib/report.mjs';
import { runTfjsCases } from '../peers/tfjs_run.mjs';
import { weightSource } from '../peers/weights.mjs';

export async function runPageBenchmark({ presetName, post }) {
  const { Benchmark, tf } = self;
  const lib = await import('/dist/index.js');
  const preset = getPreset(presetName);
  const cases = [...preset.opSizes.flatMap((s) => opCases(s)), ...e2eCases(preset.e2e)];
  const sampling = (c) => (c.kind ? preset.e2eSamples : preset.samples);
  const t0 = performance.now();
  const results = {
    schema: 1, date: new Date().toISOString(), preset: preset.name, where: 'browser worker',
    machine: { userAgent: navigator.userAgent, availableParallelism: navigator.hardwareConcurrency },
    software: { tfjs: tf.version_core }, ceilings: {}, gpuAdapter: null, runners: [],
    cases: cases.map((c) => ({ id: c.id, group: c.kind ? 'e2e' : 'op', op: c.op, dir: c.dir, kind: c.kind, size: c.size, blocks: c.blocks, flop: c.flop ?? 0, bytes: c.bytes ?? 0 })),
    results: {}, dispatch: {}, notes: [],
  };
  const log = (m) => post({ type: 'log', text: `[${((performance.now() - t0) / 1e3).toFixed(0)}s] ${m}` });
  const addRunner = (key, label, extra) => {
    results.runners.push({ key, label, ...extra });
    results.results[key] = {};
  };
  const put = (key, r) => {
    const run = results.runners.find((x) => x.key === key);
    const meta = results.cases.find((c) => c.id === r.id);
    if (meta && !meta.flop && r.flop) meta.flop = r.flop;
    const { dispatch, ...rest } = r;
    if (dispatch) (results.dispatch[key] ??= {})[r.id] = dispatch;
    results.results[key][r.id] = derive({ ...rest, flop: r.flop || meta?.flop || 0 }, run.ceiling ? results.ceilings[run.ceiling]?.gflops : null);
    post({ type: 'result', key, id: r.id, result: results.results[key][r.id] });
  };

  log('ceiling: WASM SIMD, one core');
  results.ceilings.wasm1 = await measureSingleCore({ iters: presetName === 'test' ? 2_000_000 : 20_000_000 });
  let device = null;
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    if (!adapter) throw new Error(navigator.gpu ? 'requestAdapter() returned null' : 'no navigator.gpu');
    const i = adapter.info ?? {};
    results.gpuAdapter = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'unknown adapter';
    device = await adapter.requestDevice();
    log(`ceiling: ${results.gpuAdapter}`);
    results.ceilings.gpu = await measureGpuFma(device, { targetSeconds: presetName === 'test' ? 0.05 : 0.25, reps: presetName === 'test' ? 1 : 3 });
    device.destroy();
  } catch (e) {
    results.notes.push(`WebGPU unavailable: ${e.message}`);
  }
  const software = /swiftshader/i.test(results.gpuAdapter ?? '');
  const wasmMs = (id) => results.results['engine-wasm-1t']?.[id]?.medianMs;
  const budget = presetName === 'test' ? 20 : presetName === 'full' ? 1800 : 120;
  const planFor = () => (software ? softwareGpuPlanner({ wasmMs, total: budget, perCallLimit: presetName === 'full' ? 60 : 5 }) : null);

  async function engine(key, label, options, ceiling) {
    addRunner(key, label, { kind: 'engine', backend: options.backend, ceiling });
    let e;
    try {
      e = await lib.createEngine({ seed: 1, ...options });
    } catch (err) {
      for (const c of cases) put(key, { id: c.id, skipped: `engine unavailable: ${err.message}` });
      return;
    }
    results.runners.at(-1).wasmVariant = e.wasmVariant ?? { threads: 1, relaxedSimd: false };
    const planner = options.backend === 'webgpu' ? planFor() : null;
    log(`engine ${label}`);
    // on a software GPU the cheapest cases first (see bench/run.mjs)
    const order = planner ? [...cases].sort((a, b) => (wasmMs(a.id) ?? Infinity) - (wasmMs(b.id) ?? Infinity)) : cases;
    await runEngineCases({
      lib, engine: e, Benchmark, cases: order, sampling, onceAbove: preset.onceAbove,
      plan: planner ? (c) => planner.plan(c) : undefined,
      onResult: (r) => { planner?.observe(r); put(key, r); },
    });
    e.dispose();
  }
  await engine('engine-wasm-1t', 'engine wasm 1t', { backend: 'wasm', wasm: { threads: 1 } }, 'wasm1');
  await engine('engine-webgpu', `engine webgpu${software ? ' (SwiftShader)' : ''}`, { backend: 'webgpu' }, 'gpu');

  // TF.js peers, built from the engine's seeded weights
  const wEngine = await lib.createEngine({ backend: 'wasm' });
  const ws = weightSource(lib, wEngine);
  for (const c of cases) if (c.kind === 'generator' || c.kind === 'discriminator') await ws.get(c.kind, c.blocks);
  wEngine.dispose();
  for (const [backend, ceiling] of [['webgpu', 'gpu'], ['wasm', 'wasm1']]) {
    const key = `tfjs-${backend}`;
    addRunner(key, `tfjs ${backend}`, { kind: 'peer', ceiling });
    let ok = false;
    try {
      ok = await tf.setBackend(backend);
      await tf.ready();
    } catch (e) {
      results.notes.push(`tfjs ${backend}: ${e.message}`);
    }
    if (!ok) {
      for (const c of cases) put(key, { id: c.id, skipped: `TF.js ${backend} backend unavailable here` });
      continue;
    }
    results.runners.at(-1).info = backend === 'wasm'
      ? { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), multithread: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') }
      : {};
    log(`tfjs ${backend}`);
    const planner = backend === 'webgpu' ? planFor() : null;
    await runTfjsCases({
      tf, Benchmark, weights: ws.sync, sampling,
      cases: planner ? [...cases].sort((a, b) => (wasmMs(a.id) ?? Infinity) - (wasmMs(b.id) ?? Infinity)) : cases,
      plan: planner ? (c) => planner.plan(c) : undefined,
      onResult: (r) => { planner?.observe(r); put(key, r); },
    });
  }
  results.durationSeconds = +((performance.now() - t0) / 1e3).toFixed(1);
  return results;
}
