// The WGSL Winograd kernels (src/backends/webgpu/kernels/winograd.ts) against the direct WGSL
// conv kernels, on the WebGPU backend, in one run:
//   node bench/winograd_webgpu.mjs [--quick] [--reps N] [--no-convs] [--generator] [--before DIST]
// In Node without a GPU this runs on SwiftShader (Vulkan on the CPU, set below), so the times
// say how the two algorithms compare there (a relative figure: SwiftShader is no GPU); with
// VK_DRIVER_FILES or VK_ICD_FILENAMES pointing at a real driver it measures that device.
// Rows: 3x3 stride-1 convs of the generators at sizes SwiftShader gets through in seconds,
// forward and input gradient, each through the direct kernel (conv2d / conv2dGradInput) and
// through Winograd as F(4x4, 3x3) (inference) and F(2x2, 3x3) (training). The WGSL kernels
// remake the transformed filter on every call, so every Winograd time includes it. Times are
// medians of wall time per call (each call waited for with engine.sync()) after one warm-up
// call that also compiles the pipelines; the machine may be shared, so compare rows of one run.
// With --generator it also times the seed generator's forward (64x64, 9 blocks, batch 1, no
// grad: its residual convs run as F(4x4) Winograd) on WebGPU with this build and, with --before
// DIST, with another build of the library (e.g. /work/main/dist/index.js: before WGSL Winograd).
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const argv = process.argv.slice(2);
const opt = (f, d) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);
const quick = argv.includes('--quick');
const reps = Number(opt('--reps', quick ? 3 : 5));
const lib = await import(process.env.CYCLEGAN_DIST ?? '../dist/index.js');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const engine = await lib.createEngine({ backend: 'webgpu' });
const adapter = engine.dispatchReport().selection;
console.log(`# WebGPU ${JSON.stringify(adapter)}; times are medians (ms) of wall time per call, ${reps} calls after a warm-up; the machine may be shared`);

async function time(fn) {
  fn();
  await engine.sync();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    await engine.sync();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

// name, cIn, input h=w, cOut, padding
const cases = [
  ['residual 64->64 @32', 64, 34, 64, 0],
  ['residual 256->256 @16 (train 64x64)', 256, 18, 256, 0],
  ['up 64->32 @64 p1', 64, 64, 32, 1],
  ...(quick ? [] : [['residual 128->128 @32', 128, 34, 128, 0], ['small 16->16 @16 p1', 16, 16, 16, 1]]),
];
const rows = [];
for (const [name, cIn, s, cOut, p] of argv.includes('--no-convs') ? [] : cases) {
  const o = s + 2 * p - 2;
  const g = { n: 1, cIn, h: s, w: s, cOut, kh: 3, kw: 3, oh: o, ow: o, strideH: 1, strideW: 1, padH: p, padW: p };
  const x = engine.randn([1, cIn, s, s], { seed: 1 });
  const w = engine.randn([cOut, cIn, 3, 3], { seed: 2, std: 0.05 });
  const b = engine.randn([cOut], { seed: 3 });
  const dy = engine.randn([1, cOut, o, o], { seed: 4 });
  const run = (kernel, ins, shape, attrs) => () => {
    for (const t of engine.runKernel('bench', kernel, ins, [shape], attrs)) t.dispose();
  };
  const r = {
    case: name,
    'fwd direct': await time(run('conv2d', [x, w, b], [1, cOut, o, o], { ...g, hasBias: true })),
    'fwd F4': await time(run('conv2dWinograd', [x, w, b], [1, cOut, o, o], { ...g, hasBias: true, tile: 4 })),
    'fwd F2': await time(run('conv2dWinograd', [x, w, b], [1, cOut, o, o], { ...g, hasBias: true, tile: 2 })),
    'dx direct': await time(run('conv2dGradInput', [dy, w], [1, cIn, s, s], g)),
    'dx F4': await time(run('conv2dGradInputWinograd', [dy, w], [1, cIn, s, s], { ...g, tile: 4 })),
    'dx F2': await time(run('conv2dGradInputWinograd', [dy, w], [1, cIn, s, s], { ...g, tile: 2 })),
  };
  rows.push(r);
  const f = (k) => r[k].toFixed(1).padStart(7);
  const x_ = (k, base) => `${(r[base] / r[k]).toFixed(2)}x`;
  console.log(
    `${name.padEnd(36)} fwd direct ${f('fwd direct')} ms  F4 ${f('fwd F4')} ms (${x_('fwd F4', 'fwd direct')})  F2 ${f('fwd F2')} ms (${x_('fwd F2', 'fwd direct')})` +
      ` | dx direct ${f('dx direct')} ms  F4 ${f('dx F4')} ms (${x_('dx F4', 'dx direct')})  F2 ${f('dx F2')} ms (${x_('dx F2', 'dx direct')})`,
  );
  for (const t of [x, w, b, dy]) t.dispose();
}
// Every call above must have run on the GPU: a WASM fallback would time the wrong thing.
const kernels = engine.dispatchReport().kernels;
for (const k of ['conv2d', 'conv2dWinograd', 'conv2dGradInput', 'conv2dGradInputWinograd']) {
  if (kernels[k]?.wasm) throw new Error(`${k} ran on WASM (${JSON.stringify(kernels[k].fallbacks)}): the bench would not time WGSL`);
}
if (argv.includes('--json')) console.log(JSON.stringify(rows));
engine.dispose();

async function generatorForward(libUsed, label) {
  const e = await libUsed.createEngine({ backend: 'webgpu' });
  const g = new libUsed.GeneratorResNet(e, [3, 64, 64], 9);
  const x = e.randn([1, 3, 64, 64], { seed: 5 });
  const forward = () => e.noGrad(() => g.forward(x).dispose());
  forward();
  await e.sync();
  e.resetDispatchReport();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    forward();
    await e.sync();
    ts.push(performance.now() - t0);
  }
  const k = e.dispatchReport().kernels;
  const calls = (name) => `${name} ${(k[name]?.webgpu ?? 0) / reps}`;
  console.log(`generator 64x64 9 blocks forward (WebGPU), ${label}: ${median(ts).toFixed(0)} ms; per forward: ${calls('conv2d')}, ${calls('conv2dWinograd')} on WebGPU`);
  e.dispose();
}
if (argv.includes('--generator')) {
  await generatorForward(lib, 'this build');
  const before = opt('--before', null);
  if (before) await generatorForward(await import(before), `build ${before}`);
}
