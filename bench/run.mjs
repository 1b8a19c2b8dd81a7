// `npm run bench`: the whole benchmark in one run on one machine (GitHub issue #8).
//
//   node bench/run.mjs [--quick | --full | --preset test] [--filter TEXT | TEXT] [--no-peers]
//                      [--no-webgpu] [--no-ops] [--no-e2e] [--no-memory] [--threads N] [--out DIR] [--chart PATH]
//
// 1. ceilings: WASM SIMD mul+add rate on one core and on all cores; the GPU adapter's FP32 rate;
// 2. the engine on WASM (1 thread; all cores when the engine has threads) and on WebGPU: every
//    op at CycleGAN's shapes (forward and both gradients), generator and discriminator forward,
//    one training step, each with its dispatch report;
// 3. peers, same shapes, same weights, same thread counts: TF.js WASM, ONNX Runtime Web WASM,
//    PyTorch CPU (bench/peers/);
// 4. the peak WebAssembly memory per training step (batch 1, 9 blocks) at 64, 128 and 256,
//    with the sample grid and checkpoint after it, each size in a process of its own
//    (bench/lib/memory_run.mjs; alone: node bench/memory_step.mjs); results.memory;
// 5. with a WebGPU adapter, the WGSL Winograd kernels against the direct WGSL kernels on small
//    3x3 convs (bench/winograd_webgpu.mjs --quick); results.winogradWebgpu;
// 6. `cyclegan-engine translate` of a 512x512 photo (bench/translate_cli.mjs); results.translateCli;
// 7. `cyclegan-engine train` at 256x256 stopped by Ctrl-C: seconds to the checkpoint and to the
//    exit (bench/train_stop.mjs); results.trainStop;
// 8. the tables, bench/results/<date>-<machine>.json and the SVG chart.
// The default (quick) preset is sized to finish in about 12 minutes on a 2-core machine.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Benchmark from 'benchmark';
import { e2eCases, opCases, preset as getPreset } from './lib/cases.mjs';
import { runEngineCases } from './lib/engine_suite.mjs';
import { measureSingleCore, simdFmaModuleBytes } from './lib/ceiling_wasm.mjs';
import { measureAllCores } from './ceiling/wasm_all_cores.mjs';
import { measureGpuFma } from './lib/ceiling_gpu.mjs';
import { softwareGpuPlanner } from './lib/budget.mjs';
import { machineInfo, machineSlug, softwareInfo } from './lib/machine.mjs';
import { blanks, derive, formatTable, tableRows } from './lib/report.mjs';
import { chartSvg } from './lib/chart.mjs';
import { measureMemoryCases } from './lib/memory_run.mjs';
import { weightSource } from './peers/weights.mjs';
import { writeSafetensorsFile } from './peers/safetensors.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const CACHE = join(HERE, '.cache');

// SwiftShader's Vulkan driver (Debian's chromium) when no driver was chosen: before Dawn starts.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

// ------------------------------------------------------------------ options
const argv = process.argv.slice(2);
const flag = (f) => argv.includes(f);
const opt = (f, d) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);
const preset = getPreset(flag('--full') ? 'full' : opt('--preset', 'quick'));
// which peers run: all (TF.js, ORT, PyTorch), torch, or none; PyTorch on these devices
const peers = flag('--no-peers') ? 'none' : opt('--peers', 'all');
const torchDevices = opt('--torch-devices', 'cpu').split(',');
// a bare word is a filter too (`cyclegan-engine bench [filter]` passes it so)
const VALUED = ['--filter', '--out', '--chart', '--threads', '--preset', '--peers', '--torch-devices', '--python'];
const positional = argv.find((a, i) => !a.startsWith('--') && !VALUED.includes(argv[i - 1]));
const filter = opt('--filter', positional ?? '');
const outDir = opt('--out', join(HERE, 'results'));
const allThreads = Number(opt('--threads', os.availableParallelism()));
const PYTHON = opt('--python', process.env.BENCH_PYTHON ?? '/usr/bin/python3');
const log = (...a) => console.log(`[bench ${((performance.now()) / 1e3).toFixed(0)}s]`, ...a);

const lib = await import(process.env.CYCLEGAN_DIST ?? '../dist/index.js');
const cases = [
  ...(flag('--no-ops') ? [] : preset.opSizes.flatMap((s) => opCases(s))),
  ...(flag('--no-e2e') ? [] : e2eCases(preset.e2e)),
].filter((c) => c.id.includes(filter));
const sampling = (c) => (c.kind ? preset.e2eSamples : preset.samples);
const caseMeta = cases.map((c) => ({ id: c.id, group: c.kind ? 'e2e' : 'op', op: c.op, dir: c.dir, kind: c.kind, size: c.size, blocks: c.blocks, flop: c.flop ?? 0, bytes: c.bytes ?? 0 }));

const results = {
  schema: 1,
  date: new Date().toISOString(),
  preset: preset.name,
  filter,
  args: argv,
  machine: machineInfo(),
  software: softwareInfo(),
  ceilings: {},
  gpuAdapter: null,
  runners: [],
  cases: caseMeta,
  results: {},
  dispatch: {},
  memory: null,
  winogradWebgpu: null,
  translateCli: null,
  trainStop: null,
  notes: [],
};
const addRunner = (key, label, extra) => {
  results.runners.push({ key, label, ...extra });
  results.results[key] ??= {};
};
const put = (key, r) => {
  const run = results.runners.find((x) => x.key === key);
  const meta = caseMeta.find((c) => c.id === r.id);
  // end-to-end FLOPs are counted by the engine's WASM run; peers get the same count
  const flop = r.flop || meta?.flop || 0;
  if (meta && !meta.flop && r.flop) meta.flop = r.flop;
  const { dispatch, ...rest } = r;
  if (dispatch) (results.dispatch[key] ??= {})[r.id] = dispatch;
  results.results[key][r.id] = { ...rest, flop };
};
/** Rates and shares of the ceilings, recomputed whenever a ceiling changes (see the end). */
function deriveAll() {
  for (const run of results.runners) {
    const ceiling = run.ceiling ? results.ceilings[run.ceiling]?.gflops : null;
    for (const [id, r] of Object.entries(results.results[run.key] ?? {})) results.results[run.key][id] = derive(r, ceiling);
  }
}

// Written after every phase, so a run cut short (the GPU machine's time limit) keeps what it has.
// A run that left something out (a filter, --no-*) is named "-partial" (git-ignored), so it never
// overwrites a complete run's file.
const partial = Boolean(filter) || ['--no-ops', '--no-e2e', '--no-webgpu', '--no-peers', '--no-memory'].some(flag);
const name = () => `${results.date.slice(0, 10)}-${machineSlug(results.machine, results.gpuAdapter)}${preset.name === 'quick' ? '' : `-${preset.name}`}${partial ? '-partial' : ''}`;
let jsonPath;
let svgPath;
function save() {
  deriveAll();
  results.durationSeconds = +(performance.now() / 1e3).toFixed(1);
  mkdirSync(outDir, { recursive: true });
  jsonPath = join(outDir, `${name()}.json`);
  writeFileSync(`${jsonPath}.tmp`, JSON.stringify(results, null, 1) + '\n');
  renameSync(`${jsonPath}.tmp`, jsonPath);
  svgPath = opt('--chart', join(outDir, `${name()}.svg`));
  writeFileSync(svgPath, chartSvg(results));
}

// ------------------------------------------------------------------ ceilings
log('ceiling: WASM SIMD f32x4 mul+add, one core');
results.ceilings.wasm1 = await measureSingleCore();
log(`  ${results.ceilings.wasm1.gflops.toFixed(1)} GFLOP/s`);
log(`ceiling: WASM SIMD, ${allThreads} worker threads`);
results.ceilings.wasmAll = await measureAllCores({ bytes: simdFmaModuleBytes(), threads: allThreads });
log(`  ${results.ceilings.wasmAll.gflops.toFixed(1)} GFLOP/s`);

let gpu = null;
if (!flag('--no-webgpu')) {
  try {
    const webgpu = await import('webgpu');
    Object.assign(globalThis, webgpu.globals);
    gpu = webgpu.create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('requestAdapter() returned null');
    const i = adapter.info;
    results.gpuAdapter = [i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' ') || 'unknown adapter';
    results.gpuAdapterInfo = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: adapter.isFallbackAdapter ?? null };
    const device = await adapter.requestDevice();
    log(`ceiling: ${results.gpuAdapter}, WGSL vec4 FMA chains`);
    results.ceilings.gpu = await measureGpuFma(device, { targetSeconds: /swiftshader/i.test(results.gpuAdapter) ? 0.3 : 0.1 });
    device.destroy();
    log(`  ${results.ceilings.gpu.gflops.toFixed(1)} GFLOP/s`);
  } catch (e) {
    results.notes.push(`WebGPU unavailable: ${e.message}`);
    log(`WebGPU unavailable: ${e.message}`);
    gpu = null;
  }
}
const softwareGpu = /swiftshader|llvmpipe|lavapipe/i.test(results.gpuAdapter ?? '');

// ------------------------------------------------------------------ the engine
async function engineRun(key, label, options, { ceiling, plan, observe, order = cases, only } = {}) {
  let engine;
  try {
    engine = await lib.createEngine({ seed: 1, ...options });
  } catch (e) {
    addRunner(key, label, { kind: 'engine', backend: options.backend, ceiling });
    for (const c of cases) put(key, { id: c.id, skipped: `engine unavailable: ${e.message}` });
    return null;
  }
  const variant = engine.wasmVariant ?? { threads: 1, relaxedSimd: false, note: 'engine.wasmVariant absent: single-threaded WASM' };
  addRunner(key, label, { kind: 'engine', backend: options.backend, ceiling, wasmVariant: variant, adapter: engine.dispatchReport().selection.adapter ?? null });
  log(`engine ${label}: ${cases.length} cases`);
  // `only` ({ test, reason }) limits a runner to some cases; the others get the reason in their cell
  const planned = only ? (c) => (only.test(c) ? (plan ? plan(c) : { mode: 'sample' }) : { mode: 'skip', reason: only.reason }) : plan;
  await runEngineCases({
    lib, engine, Benchmark, cases: order, sampling, plan: planned, onceAbove: preset.onceAbove,
    onResult: (r) => {
      observe?.(r);
      put(key, r);
      log(`  ${label} | ${r.id} | ${r.skipped ?? r.error ?? `${r.medianMs.toFixed(1)} ms`}`);
    },
  });
  engine.dispose();
  save();
  return variant;
}

// relaxedSimd: false pins the plain SIMD build, also after relaxedRun() below enabled relaxed SIMD
const v1 = await engineRun('engine-wasm-1t', 'engine wasm 1t', { backend: 'wasm', wasm: { threads: 1, relaxedSimd: false } }, { ceiling: 'wasm1' });
// The quick preset times the extra WASM variants (all cores, relaxed SIMD) on the end-to-end
// cases only, to stay within its time; --full times them on every op too.
const extraOnly = preset.name === 'quick'
  ? { test: (c) => Boolean(c.kind), reason: 'quick preset: this variant is timed on the end-to-end cases (--full times every op)' }
  : undefined;
async function wasmAllCores() {
  if (allThreads <= 1) return;
  // The all-core rows are real only where the engine has WASM threads (engine.wasmVariant);
  // without them they would repeat the single-thread rows, so they are not rerun.
  const probe = await lib.createEngine({ backend: 'wasm', wasm: { threads: allThreads, relaxedSimd: false } });
  const threaded = (probe.wasmVariant?.threads ?? 1) > 1;
  probe.dispose();
  if (threaded) await engineRun(`engine-wasm-${allThreads}t`, `engine wasm ${allThreads}t`, { backend: 'wasm', wasm: { threads: allThreads, relaxedSimd: false } }, { ceiling: 'wasmAll', only: extraOnly });
  else results.notes.push(`engine wasm ${allThreads}t: not run, this engine has no WASM threads (engine.wasmVariant absent or threads 1); its rows would equal the 1-thread ones`);
}
// The relaxed-SIMD build (f32x4.relaxed_madd in the GEMM micro-kernel), one thread. The engine
// picks it by itself where WebAssembly.validate accepts it (Chromium, Node >= 22); Node 20's V8
// has it behind --experimental-wasm-relaxed-simd, which this process turns on for itself (real
// relaxed instructions, as the conformance suite does), so that this machine times the build
// browsers get. Where the runtime has none, the runner's cells say so.
async function relaxedRun() {
  const probe = await lib.createEngine({ backend: 'wasm', wasm: { threads: 1, relaxedSimd: true } }).catch(() => null);
  if (probe) probe.dispose();
  else (await import('node:v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
  await engineRun('engine-wasm-1t-relaxed', 'engine wasm 1t relaxed', { backend: 'wasm', wasm: { threads: 1, relaxedSimd: true } }, { ceiling: 'wasm1', only: extraOnly });
}
// --wasm-threads-last (the GPU machine's time-limited run): the GPU and PyTorch rows first
if (!flag('--wasm-threads-last')) {
  await wasmAllCores();
  await relaxedRun();
}
void v1;
if (gpu) {
  const wasmMs = (id) => results.results['engine-wasm-1t']?.[id]?.medianMs;
  const planner = softwareGpu ? softwareGpuPlanner({ wasmMs, total: preset.name === 'full' ? 1800 : preset.name === 'test' ? 60 : 150, perCallLimit: preset.name === 'full' ? 60 : 8 }) : null;
  await engineRun('engine-webgpu', `engine webgpu${softwareGpu ? ' (SwiftShader)' : ''}`, { backend: 'webgpu', webgpu: { gpu } }, {
    ceiling: 'gpu', plan: planner ? (c) => planner.plan(c) : undefined, observe: planner ? (r) => planner.observe(r) : undefined,
    // on a software GPU the cheapest cases first (by their WASM time), so the budget times as
    // many cases as it can (end-to-end ones included) instead of a few big convolutions
    order: planner ? [...cases].sort((a, b) => (wasmMs(a.id) ?? Infinity) - (wasmMs(b.id) ?? Infinity)) : cases,
  });
} else {
  addRunner('engine-webgpu', 'engine webgpu', { kind: 'engine', backend: 'webgpu', ceiling: 'gpu' });
  for (const c of cases) put('engine-webgpu', { id: c.id, skipped: 'no WebGPU adapter' });
}

// ------------------------------------------------------------------ peers
function runChild(cmd, args, onLine) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const m = JSON.parse(line);
          if (m.progress) onLine(m.progress);
        } catch {
          if (line.trim()) log(`  ${line}`);
        }
      }
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ code: -1, err: e.message }));
    child.on('exit', (code) => resolve({ code, err }));
  });
}

async function jsPeer(peer, key, label, { threads, ceiling, extra }) {
  addRunner(key, label, { kind: 'peer', ceiling, threads });
  const spec = join(CACHE, `${key}.spec.json`);
  const out = join(CACHE, `${key}.out.json`);
  writeFileSync(spec, JSON.stringify({ cases, threads, sampling: { op: preset.samples, e2e: preset.e2eSamples }, onceAbove: Number.isFinite(preset.onceAbove) ? preset.onceAbove : null, weightsDir: join(CACHE, 'weights'), onnxDir: join(CACHE, 'onnx'), ...extra }));
  log(`peer ${label}`);
  const { code, err } = await runChild(process.execPath, [join(HERE, 'peers', 'child.mjs'), peer, spec, out], (r) => log(`  ${label} | ${r.id} | ${r.skipped ?? r.error ?? `${r.medianMs.toFixed(1)} ms`}`));
  if (code !== 0 || !existsSync(out)) {
    for (const c of cases) put(key, { id: c.id, error: `${peer} failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}` });
    return;
  }
  const data = JSON.parse(readFileSync(out, 'utf8'));
  results.runners.find((r) => r.key === key).info = data.info;
  for (const r of data.results) put(key, r);
  save();
}

async function pythonPeers() {
  const hasPython = existsSync(PYTHON) && (await runChild(PYTHON, ['-c', 'import torch'], () => {})).code === 0;
  let any = false;
  for (const device of torchDevices) {
    // No ceiling for PyTorch on the CPU: its native kernels use the CPU's full vector width
    // (AVX2/AVX-512 FMA), which the WASM SIMD ceiling (128-bit, no FMA) does not bound. On CUDA
    // it runs strict FP32 (TF32 off), so the adapter's FP32 rate is its ceiling too.
    const keys = device === 'cuda'
      ? [['torch-cuda', 'torch cuda', allThreads, 'gpu']]
      : [['torch-cpu-1t', 'torch cpu 1t', 1, null], ...(allThreads > 1 ? [[`torch-cpu-${allThreads}t`, `torch cpu ${allThreads}t`, allThreads, null]] : [])];
    for (const [key, label, threads, ceiling] of keys) addRunner(key, label, { kind: 'peer', threads, ceiling });
    if (!hasPython) {
      for (const [key] of keys) for (const c of cases) put(key, { id: c.id, skipped: `no PyTorch: ${PYTHON} with torch not found` });
      continue;
    }
    any = true;
    const spec = join(CACHE, `torch-${device}.spec.json`);
    const out = join(CACHE, `torch-${device}.out.json`);
    const ms = (s) => ({ min_samples: s.minSamples, max_time: s.maxTime });
    writeFileSync(spec, JSON.stringify({ device, threads: keys.map((k) => k[2]), cases, weights_dir: join(CACHE, 'weights'), ...ms(preset.samples), e2e: ms(preset.e2eSamples), once_above: Number.isFinite(preset.onceAbove) ? preset.onceAbove : null }));
    log(`peer PyTorch ${device}`);
    const { code, err } = await runChild(PYTHON, [join(HERE, 'peers', 'torch_bench.py'), spec, out], (r) => log(`  torch ${device} ${r.threads}t | ${r.id} | ${r.error ?? `${r.medianMs.toFixed(1)} ms`}`));
    if (code !== 0 || !existsSync(out)) {
      for (const [key] of keys) for (const c of cases) put(key, { id: c.id, error: `torch_bench.py failed: ${err.trim().split('\n').pop()}` });
      continue;
    }
    const data = JSON.parse(readFileSync(out, 'utf8'));
    for (const [key, , threads] of keys) {
      results.runners.find((r) => r.key === key).info = { ...data.info, threads };
      for (const r of data.results.filter((x) => x.threads === threads)) put(key, r);
    }
    save();
  }
  return any;
}

if (peers !== 'none') {
  mkdirSync(join(CACHE, 'weights'), { recursive: true });
  // Set-up: the engine's seeded weights as safetensors for the peers, then the ONNX exports.
  const wEngine = await lib.createEngine({ backend: 'wasm' });
  const ws = weightSource(lib, wEngine);
  const e2e = cases.filter((c) => c.kind);
  for (const blocks of new Set(e2e.filter((c) => c.kind !== 'discriminator').map((c) => c.blocks))) {
    const p = join(CACHE, 'weights', `generator_${blocks}.safetensors`);
    writeSafetensorsFile(p, await ws.get('generator', blocks));
  }
  writeSafetensorsFile(join(CACHE, 'weights', 'discriminator.safetensors'), await ws.get('discriminator'));
  wEngine.dispose();
  const hasTorch = await pythonPeers();
  if (hasTorch && peers === 'all') {
    const specs = e2e.filter((c) => c.kind === 'generator').map((c) => `generator:${c.blocks}:${c.size}`)
      .concat(e2e.filter((c) => c.kind === 'discriminator').map((c) => `discriminator:${c.size}`));
    if (specs.length) {
      log('set-up: ONNX export (torch.onnx.export, opset 17)');
      const { code, err } = await runChild(PYTHON, [join(HERE, 'peers', 'export_onnx.py'), join(CACHE, 'weights'), join(CACHE, 'onnx'), ...specs], () => {});
      if (code !== 0) results.notes.push(`ONNX export failed: ${err.trim().split('\n').pop()}`);
    }
  }
  if (peers === 'all') {
    await jsPeer('tfjs-wasm', 'tfjs-wasm-1t', 'tfjs wasm 1t', { threads: 1, ceiling: 'wasm1' });
    await jsPeer('ort-wasm', 'ort-wasm-1t', 'ort wasm 1t', { threads: 1, ceiling: 'wasm1' });
    if (allThreads > 1) await jsPeer('ort-wasm', `ort-wasm-${allThreads}t`, `ort wasm ${allThreads}t`, { threads: allThreads, ceiling: 'wasmAll' });
  } else results.notes.push(`peers: only PyTorch (--peers ${peers})`);
}

if (flag('--wasm-threads-last')) {
  await wasmAllCores();
  await relaxedRun();
}

// ------------------------------------------------------------------ memory of the training step
// A filtered run times the cases it names; the memory of whole training steps is not one of them.
if (!flag('--no-memory') && !filter && preset.memory.length) {
  results.memory = await measureMemoryCases({ sizes: preset.memory.map(([size, blocks]) => ({ size, blocks })), steps: 2, log });
  save();
}

// ------------------------------------------------------------------ whole scripts of bench/
/** Runs bench/`script` in a child Node process; its whole stdout and stderr. */
function runScript(script, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(HERE, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ code: -1, out, err: e.message }));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}
const scriptError = (code, err) => `exit ${code}: ${err.trim().split('\n').slice(-3).join(' ')}`;

// ------------------------------------------------------------------ WGSL Winograd against direct WGSL
// The op cells above skip the big convolutions on a software GPU (too slow for the budget), so
// the WGSL Winograd kernels are compared with the direct WGSL kernels here on shapes SwiftShader
// gets through in seconds (bench/winograd_webgpu.mjs --quick: forward and input gradient, F(4x4)
// and F(2x2)); on SwiftShader it is a relative figure, on a real adapter that device's times.
if (gpu && !flag('--no-webgpu') && !filter) {
  log('WGSL Winograd against the direct WGSL kernels (bench/winograd_webgpu.mjs --quick)');
  const { code, out, err } = await runScript('winograd_webgpu.mjs', ['--quick', '--json']);
  const lines = out.split('\n');
  for (const line of lines.filter((l) => l && !l.startsWith('['))) log(`  ${line}`);
  const json = lines.find((l) => l.startsWith('['));
  results.winogradWebgpu = code === 0 && json ? { adapter: results.gpuAdapter, software: softwareGpu, rows: JSON.parse(json) } : { error: scriptError(code, err) };
  save();
}

// ------------------------------------------------------------------ the translate command
// `cyclegan-engine translate` of a 512x512 photo with a 9-block generator, whole command (process
// start to written PNG) with the CLI's defaults (every core, the fastest WASM build), median of 3
// runs, and its phases in one process (bench/translate_cli.mjs --no-profile); results.translateCli.
if (!flag('--no-e2e') && !filter) {
  log('cyclegan-engine translate, 512x512 photo, 9 blocks (bench/translate_cli.mjs --runs 3 --no-profile)');
  const { code, out, err } = await runScript('translate_cli.mjs', ['--runs', '3', '--no-profile']);
  const rows = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const cli = rows.find((r) => r.what === 'cli');
  const phases = rows.find((r) => r.what === 'phases-ms');
  results.translateCli = code === 0 && cli
    ? { size: cli.size, runs: cli.runs, wallSeconds: cli.wall, wallMedianSeconds: cli.wallMedian, translatingMedianSeconds: cli.translatingMedian, phasesMs: phases?.median ?? null }
    : { error: scriptError(code, err) };
  save();
}

// ------------------------------------------------------------------ Ctrl-C during training
// `cyclegan-engine train` at the reference's defaults (256x256, 9 blocks, WASM, every core)
// stopped by SIGINT inside its second step, 3 runs: seconds from the signal to the checkpoint
// file in place and to the exit (bench/train_stop.mjs); results.trainStop.
if (!flag('--no-e2e') && !filter) {
  log('cyclegan-engine train stopped by SIGINT, 256x256, 9 blocks (bench/train_stop.mjs --runs 3)');
  const { code, out, err } = await runScript('train_stop.mjs', ['--runs', '3', '--json']);
  const json = out.split('\n').find((l) => l.startsWith('{'));
  results.trainStop = code === 0 && json ? JSON.parse(json) : { error: scriptError(code, err) };
  save();
}

// ------------------------------------------------------------------ output
// The ceilings once more, now that the machine may be quieter: a ceiling is the best the
// machine did, so the higher of the two measurements counts (both are kept).
{
  const again1 = await measureSingleCore();
  const againAll = await measureAllCores({ bytes: simdFmaModuleBytes(), threads: allThreads });
  const best = (a, b) => ({ ...(b.gflops > a.gflops ? b : a), measurements: [a.gflops, b.gflops] });
  results.ceilings.wasm1 = best(results.ceilings.wasm1, again1);
  results.ceilings.wasmAll = best(results.ceilings.wasmAll, againAll);
  deriveAll();
}
results.durationSeconds = +(performance.now() / 1e3).toFixed(1);
const gpuKey = 'engine-webgpu';
const ratios = [['webgpu÷wasm time', 'engine-wasm-1t', gpuKey]];
const c = results.ceilings;
console.log(`\nCeilings: WASM SIMD ${c.wasm1.gflops.toFixed(1)} GFLOP/s on 1 core, ${c.wasmAll.gflops.toFixed(1)} on ${c.wasmAll.threads}; ` +
  `GPU ${c.gpu ? `${c.gpu.gflops.toFixed(1)} GFLOP/s (${results.gpuAdapter})` : 'none'}.`);
console.log('Cells: median ms, ±relative margin of error, n samples, GFLOP/s (GB/s for ops without multiply-adds), % of the runner\'s ceiling.\n');
console.log('Runners:');
for (const run of results.runners) {
  const i = run.info ?? {};
  const what = run.kind === 'engine'
    ? `cyclegan-engine ${results.software.engine.version} (${(results.software.engine.commit ?? '?').slice(0, 7)}), ${run.backend}` +
      (run.backend === 'wasm' ? `, SIMD, threads ${run.wasmVariant?.threads ?? 1}, relaxed SIMD ${run.wasmVariant?.relaxedSimd ? 'on' : 'off'}` : `, adapter ${run.adapter ?? results.gpuAdapter ?? 'none'}`)
    : run.key.startsWith('torch')
      ? `PyTorch ${i.torch ?? '?'} on ${i.device ?? '?'}${i.gpu ? ` (${i.gpu}, CUDA ${i.cuda}, TF32 off)` : ''}, torch.set_num_threads(${i.threads ?? run.threads}), oneDNN ${i.mkldnn ? 'on' : 'off'}`
      : run.key.startsWith('tfjs')
        ? `TensorFlow.js ${i.version ?? results.software.packages['@tensorflow/tfjs-core']}, tfjs-backend-${i.backend ?? 'wasm'}, SIMD ${i.simd ? 'on' : 'off'}, multithread ${i.multithread ? 'on' : 'off'} (${i.note ?? ''})`
        : `ONNX Runtime Web ${i.version ?? results.software.packages['onnxruntime-web']}, wasm, SIMD ${i.simd ? 'on' : 'off'}, numThreads ${i.threads ?? run.threads}`;
  console.log(`  ${run.label.padEnd(30)} ${what}`);
}
console.log('');
console.log('Ops (batch 1):');
console.log(formatTable(tableRows(results, 'op', ratios)));
console.log('End to end (batch 1):');
console.log(formatTable(tableRows(results, 'e2e', ratios)));
for (const [key, d] of Object.entries(results.dispatch)) {
  for (const [id, rep] of Object.entries(d)) {
    console.log(`dispatch ${key} | ${id}: ${rep.calls.webgpu} kernel calls on WebGPU, ${rep.calls.wasm} on WASM, ${rep.bytesMoved} bytes moved between them`);
  }
}
if (results.memory) {
  console.log('Peak WebAssembly memory per training step (batch 1; heap size after each phase, MiB):');
  for (const m of results.memory.cases) {
    const label = `  ${m.blocks} blocks @${m.size}`.padEnd(20);
    if (m.error) console.log(`${label} error: ${m.error}`);
    else console.log(`${label} ${m.steps.map((s) => `${s.phase} ${s.heapMiB}`).join(', ')}, sample grid ${m.sample.heapMiB}, checkpoint ${m.checkpoint.heapMiB}; peak live ${m.checkpoint.peakLiveMiB}`);
  }
}
if (results.winogradWebgpu) {
  const w = results.winogradWebgpu;
  console.log(`WGSL Winograd against the direct WGSL kernels (${w.adapter ?? '?'}${w.software ? ', a software GPU: a relative figure' : ''}; median ms per call, direct / Winograd):`);
  if (w.error) console.log(`  error: ${w.error}`);
  else for (const r of w.rows) console.log(`  ${r.case.padEnd(36)} forward: direct ${r['fwd direct'].toFixed(1)}, F(4x4) ${r['fwd F4'].toFixed(1)} (${(r['fwd direct'] / r['fwd F4']).toFixed(2)}x), F(2x2) ${r['fwd F2'].toFixed(1)} (${(r['fwd direct'] / r['fwd F2']).toFixed(2)}x); input gradient: direct ${r['dx direct'].toFixed(1)}, F(4x4) ${r['dx F4'].toFixed(1)} (${(r['dx direct'] / r['dx F4']).toFixed(2)}x), F(2x2) ${r['dx F2'].toFixed(1)} (${(r['dx direct'] / r['dx F2']).toFixed(2)}x)`);
}
if (results.translateCli) {
  const t = results.translateCli;
  if (t.error) console.log(`translate 512x512 CLI: error: ${t.error}`);
  else console.log(`cyclegan-engine translate, ${t.size}x${t.size} photo, 9 blocks, CLI defaults: whole command ${t.wallSeconds.map((x) => x.toFixed(2)).join(', ')} s (median ${t.wallMedianSeconds.toFixed(2)} s; translating ${t.translatingMedianSeconds} s)`);
}
if (results.trainStop) {
  const s = results.trainStop;
  if (s.error) console.log(`train stopped by SIGINT: error: ${s.error}`);
  else console.log(`cyclegan-engine train, ${s.size}x${s.size}, ${s.blocks} blocks, stopped by SIGINT: checkpoint written ${s.results.map((r) => r.checkpointSeconds?.toFixed(2)).join(', ')} s and exit ${s.results.map((r) => r.exitSeconds.toFixed(2)).join(', ')} s after the signal`);
}
for (const n of results.notes) console.log(`note: ${n}`);
const missing = blanks(results);
if (missing.length) console.log(`BLANK CELLS (a bug): ${missing.join('; ')}`);

save();
console.log(`\nwrote ${jsonPath}\nwrote ${svgPath}\n(${results.durationSeconds} s)`);
process.exit(missing.length ? 1 : 0);
