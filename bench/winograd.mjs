// Winograd F(4x4, 3x3) against the direct conv kernels, on the WASM backend, in one run:
//   node bench/winograd.mjs [--threads N] [--relaxed] [--before DIST] [--generator] [--no-convs] [--quick]
// Rows: each 3x3 stride-1 conv of the seed's generators (residual 256->256 on the padded
// 64x64 map of a 256x256 image, the same at 16x16 (training at 64x64) and 128x128 (a 512x512
// photo), the upsampling convs with padding 1), forward and input gradient, each run through
// the direct kernel (conv2d / conv2dGradInput) and through Winograd with its filter cached
// (conv2dWinograd / conv2dGradInputWinograd) as F(4x4, 3x3) (inference) and F(2x2, 3x3)
// (training), plus the F(4x4) call whose filter must be made first (a weight changed since the
// last call). "effective GFLOP/s" is the direct conv's
// multiply-adds x 2 / time, so Winograd's can exceed the machine's multiply-add ceiling: it
// does about 4x fewer of them. With --generator it also times the seed generator's forward
// (256x256, 9 blocks, batch 1) with this build and, with --before DIST, with another build of
// the library (e.g. /work/main/dist/index.js: the engine before Winograd).
// Medians of several calls after a warm-up; on a loaded machine compare rows of one run only.
// The weight gradient: direct (conv2dGradWeight) and Winograd F(2x2, 3x3)
// (conv2dGradWeightWinograd, the only tile it has); bench/winograd_grad_weight.mjs has its
// crossover grid and a whole training step.
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
const opt = (f, d) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);
const threads = Number(opt('--threads', 1));
const relaxedSimd = argv.includes('--relaxed');
const quick = argv.includes('--quick');
const lib = await import(process.env.CYCLEGAN_DIST ?? '../dist/index.js');

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

// On a shared machine wall time mostly measures the other processes; the CPU time the process
// spent (user + system, one thread: --threads 1) is what the kernel itself cost. Both are
// reported; the comparisons use CPU time on one thread and wall time with threads.
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};
const useCpu = threads === 1;

function time(fn, { reps = quick ? 3 : 5, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) fn();
  const ts = [];
  for (let i = 0; i < reps; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    fn();
    ts.push(useCpu ? cpuMs() - c0 : performance.now() - t0);
  }
  return median(ts);
}

const engine = await lib.createEngine({ backend: 'wasm', wasm: { threads, relaxedSimd } });
console.log(`# WASM ${JSON.stringify(engine.wasmVariant)}; times are medians (ms) of ${useCpu ? 'CPU time (one thread)' : 'wall time'}; the machine may be shared`);

// name, cIn, input h=w, cOut, padding
const cases = [
  ['residual 256->256 @64 (gen 256x256)', 256, 66, 256, 0],
  ['residual 256->256 @16 (train 64x64)', 256, 18, 256, 0],
  ['residual 256->256 @32', 256, 34, 256, 0],
  ['up 256->128 @128 p1', 256, 128, 128, 1],
  ['up 128->64 @256 p1', 128, 256, 64, 1],
  ...(quick ? [] : [['residual 256->256 @128 (gen 512x512)', 256, 130, 256, 0]]),
  ['small 16->16 @8 p1', 16, 8, 16, 1],
  ['small 32->32 @16 p1', 32, 16, 32, 1],
  ['small 64->64 @8 p1', 64, 8, 64, 1],
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
  const flop = 2 * cIn * cOut * 9 * o * o;
  const fwd = { ...g, hasBias: true, tile: 4 };
  const fwd2 = { ...g, hasBias: true, tile: 2 };
  const g4 = { ...g, tile: 4 };
  const g2 = { ...g, tile: 2 };
  // A cache miss each call: the weight's version moves (as after an optimizer step).
  const miss = (kernel, ins, shape, attrs) => () => {
    engine.assign(w, engine.randn([cOut, cIn, 3, 3], { seed: 2, std: 0.05 }).dataSync());
    run(kernel, ins, shape, attrs)();
  };
  const assignOnly = time(() => engine.assign(w, engine.randn([cOut, cIn, 3, 3], { seed: 2, std: 0.05 }).dataSync()));
  const r = {
    case: name,
    'fwd direct': time(run('conv2d', [x, w, b], [1, cOut, o, o], fwd)),
    'fwd winograd': time(run('conv2dWinograd', [x, w, b], [1, cOut, o, o], fwd)),
    'fwd winograd new filter': time(miss('conv2dWinograd', [x, w, b], [1, cOut, o, o], fwd)) - assignOnly,
    'fwd F2': time(run('conv2dWinograd', [x, w, b], [1, cOut, o, o], fwd2)),
    'dx direct': time(run('conv2dGradInput', [dy, w], [1, cIn, s, s], g)),
    'dx winograd': time(run('conv2dGradInputWinograd', [dy, w], [1, cIn, s, s], g4)),
    'dx F2': time(run('conv2dGradInputWinograd', [dy, w], [1, cIn, s, s], g2)),
    'dw direct': time(run('conv2dGradWeight', [dy, x], [cOut, cIn, 3, 3], g)),
    'dw F2': time(run('conv2dGradWeightWinograd', [dy, x], [cOut, cIn, 3, 3], g)),
  };
  const eff = (ms) => (flop / (ms * 1e6)).toFixed(1);
  rows.push(r);
  console.log(
    `${name.padEnd(38)} fwd direct ${r['fwd direct'].toFixed(1).padStart(7)} ms (${eff(r['fwd direct']).padStart(5)} GFLOP/s)` +
      ` winograd ${r['fwd winograd'].toFixed(1).padStart(7)} ms (${eff(r['fwd winograd']).padStart(5)} eff.)` +
      ` new filter ${r['fwd winograd new filter'].toFixed(1).padStart(6)} ms F2 ${r['fwd F2'].toFixed(1).padStart(6)} ms (${eff(r['fwd F2'])} eff.)` +
      ` | dx direct ${r['dx direct'].toFixed(1).padStart(7)} ms F4 ${r['dx winograd'].toFixed(1).padStart(7)} ms (${eff(r['dx winograd'])} eff.)` +
      ` F2 ${r['dx F2'].toFixed(1).padStart(7)} ms (${eff(r['dx F2'])} eff.)` +
      ` | dw direct ${r['dw direct'].toFixed(1).padStart(7)} ms (${eff(r['dw direct'])} GFLOP/s)` +
      ` F2 ${r['dw F2'].toFixed(1).padStart(7)} ms (${eff(r['dw F2'])} eff.)`,
  );
  for (const t of [x, w, b, dy]) t.dispose();
}

async function generatorForward(libUsed, label) {
  const e = await libUsed.createEngine({ backend: 'wasm', wasm: { threads, relaxedSimd } });
  const g = new libUsed.GeneratorResNet(e, [3, 256, 256], 9);
  const x = e.randn([1, 3, 256, 256], { seed: 5 });
  const ms = time(() => e.noGrad(() => g.forward(x).dispose()), { reps: 3, warmup: 1 });
  console.log(`generator 256x256 9 blocks forward, ${label}: ${ms.toFixed(0)} ms`);
  e.dispose();
  return ms;
}
if (argv.includes('--generator')) {
  await generatorForward(lib, 'this build');
  const before = opt('--before', null);
  if (before) await generatorForward(await import(before), `build ${before}`);
}
engine.dispose();
