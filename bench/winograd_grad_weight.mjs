// The weight gradient of a 3x3 stride-1 conv by Winograd F(2x2, 3x3) (conv2dGradWeightWinograd,
// assembly/winograd_grad_weight.ts) against the direct kernel (conv2dGradWeight), on the WASM
// backend, in one run:
//   node bench/winograd_grad_weight.mjs [--threads N] [--relaxed] [--quick] [--no-shapes] [--step SIZE BLOCKS]
// Rows: the residual conv 256->256 of the generators (padding 0 on the reflection-padded map)
// at 16x16, 32x32 and 64x64 outputs, then a grid of padding-1 shapes (channels x size) to find
// the crossover that src/ops/conv2d_algorithm.ts's WINOGRAD_GRAD_WEIGHT_MIN_TILES encodes.
// With --step it also times a whole training step (CycleGANTrainer, batch 1) with the op's
// rule as it is and with the Winograd weight gradient switched off (engine._hasKernel made to
// deny conv2dGradWeightWinograd, so the op falls back to the direct kernel as it does on
// WebGPU), alternating the two. Times are medians of CPU time (user + system) on one thread,
// wall time with threads; the machine may be shared, so compare rows of one run only.
import { performance } from 'node:perf_hooks';

const argv = process.argv.slice(2);
const opt = (f, d) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);
const threads = Number(opt('--threads', 1));
const relaxedSimd = argv.includes('--relaxed');
const quick = argv.includes('--quick');
const lib = await import(process.env.CYCLEGAN_DIST ?? '../dist/index.js');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const useCpu = threads === 1;
const clock = () => {
  if (!useCpu) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

const engine = await lib.createEngine({ backend: 'wasm', wasm: { threads, relaxedSimd } });
console.log(`# WASM ${JSON.stringify(engine.wasmVariant)}; medians (ms) of ${useCpu ? 'CPU time' : 'wall time'}; the machine may be shared`);

/** Median times of the direct and Winograd weight gradients, alternated call by call. */
function gradWeight(n, cIn, size, cOut, pad) {
  const oh = size + 2 * pad - 2;
  const g = { n, cIn, h: size, w: size, cOut, kh: 3, kw: 3, oh, ow: oh, strideH: 1, strideW: 1, padH: pad, padW: pad };
  const x = engine.randn([n, cIn, size, size], { seed: 1 });
  const dy = engine.randn([n, cOut, oh, oh], { seed: 2 });
  const shape = [cOut, cIn, 3, 3];
  const macs = n * cOut * cIn * 9 * oh * oh;
  const reps = Math.max(quick ? 3 : 5, Math.min(41, Math.round(2e8 / macs)));
  const times = { direct: [], winograd: [] };
  for (let i = -1; i < reps; i++) {
    for (const [kind, kernel] of [['direct', 'conv2dGradWeight'], ['winograd', 'conv2dGradWeightWinograd']]) {
      const t0 = clock();
      const [dw] = engine.runKernel('bench', kernel, [dy, x], [shape], g);
      dw.dataSync();
      const t = clock() - t0;
      dw.dispose();
      if (i >= 0) times[kind].push(t);
    }
  }
  x.dispose();
  dy.dispose();
  const d = median(times.direct);
  const w = median(times.winograd);
  const tiles = n * Math.ceil(oh / 2) ** 2;
  console.log(
    `${`n${n} ${cIn}->${cOut} ${oh}x${oh} p${pad}`.padEnd(26)} tiles ${String(tiles).padStart(5)}  direct ${d.toFixed(2).padStart(8)}  ` +
      `winograd ${w.toFixed(2).padStart(8)}  speedup ${(d / w).toFixed(2)}x  (effective ${((2 * macs) / w / 1e6).toFixed(1)} GFLOP/s)`,
  );
}

if (!argv.includes('--no-shapes')) {
  console.log('## residual conv 256->256, batch 1, padding 0 (reflection-padded input)');
  for (const out of [16, 32, 64]) gradWeight(1, 256, out + 2, 256, 0);
  console.log('## padding 1, channels x output size (crossover)');
  for (const c of [8, 32, 64, 128, 256]) {
    for (const size of [4, 6, 8, 12, 16, 24, 32]) gradWeight(1, c, size, c, 1);
  }
}

if (argv.includes('--step')) {
  const size = Number(argv[argv.indexOf('--step') + 1] ?? 64);
  const blocks = Number(argv[argv.indexOf('--step') + 2] ?? 6);
  const trainer = new lib.CycleGANTrainer(engine, { imgHeight: size, imgWidth: size, nResidualBlocks: blocks, nEpochs: 1, decayEpoch: 0, seed: 7 });
  const a = engine.randn([1, 3, size, size], { seed: 8, std: 0.5 });
  const b = engine.randn([1, 3, size, size], { seed: 9, std: 0.5 });
  const has = engine._hasKernel.bind(engine);
  const setWinograd = (on) => {
    engine._hasKernel = on ? has : (name) => name !== 'conv2dGradWeightWinograd' && has(name);
  };
  const times = { on: [], off: [] };
  const steps = quick ? 3 : 5;
  for (let i = -1; i < steps; i++) {
    for (const mode of ['off', 'on']) {
      setWinograd(mode === 'on');
      engine.resetDispatchReport();
      const t0 = clock();
      await trainer.step(a, b);
      const t = clock() - t0;
      if (i >= 0) times[mode].push(t);
      if (i === 0 && mode === 'on') {
        const k = engine.dispatchReport().kernels;
        console.log(`# weight-gradient kernels of one step: conv2dGradWeightWinograd ${k.conv2dGradWeightWinograd?.wasm ?? 0}, conv2dGradWeight ${k.conv2dGradWeight?.wasm ?? 0}`);
      }
    }
  }
  setWinograd(true);
  const off = median(times.off);
  const on = median(times.on);
  console.log(`training step ${size}x${size}, ${blocks} blocks, batch 1: direct weight gradient ${off.toFixed(0)} ms, ` +
    `Winograd where the rule says ${on.toFixed(0)} ms (${(off / on).toFixed(2)}x)`);
  trainer.dispose();
  a.dispose();
  b.dispose();
}
engine.dispose();
