// Peak WebAssembly memory per training step at several image sizes (GitHub issue #14).
//
//   node bench/memory_step.mjs [--sizes 64,128,256] [--blocks 9] [--steps 2] [--threads 1]
//                              [--recompute auto|residual|none] [--out FILE.json]
//
// Each size runs in its own process (a WebAssembly memory never shrinks, and three of them at
// once would not fit a wasm32 budget per process). Prints one line per phase and, with --out,
// writes the results as JSON; `node bench/run.mjs` puts the same numbers in its results file
// under `memory` (bench/lib/memory_run.mjs).
import { measureMemoryCases } from './lib/memory_run.mjs';

const argv = process.argv.slice(2);
const opt = (f, d) => (argv.includes(f) ? argv[argv.indexOf(f) + 1] : d);

// The child: one size, results as one JSON line on stdout.
if (argv[0] === '--child') {
  const spec = JSON.parse(argv[1]);
  const lib = await import(process.env.CYCLEGAN_DIST ?? '../dist/index.js');
  const { measureStepMemory } = await import('./lib/memory_step.mjs');
  const r = await measureStepMemory(lib, { ...spec, onPhase: (p) => console.log(JSON.stringify({ phase: p })) });
  console.log(JSON.stringify({ result: r }));
  process.exit(0);
}

const sizes = opt('--sizes', '64,128,256').split(',').map(Number);
const blocks = Number(opt('--blocks', 9));
const recompute = opt('--recompute', undefined);
const results = await measureMemoryCases({
  sizes: sizes.map((size) => ({ size, blocks })),
  steps: Number(opt('--steps', 2)),
  threads: Number(opt('--threads', 1)),
  trainerOptions: recompute ? { recompute } : {},
  log: (...a) => console.log(...a),
});
const out = opt('--out', null);
if (out) {
  const { writeFileSync } = await import('node:fs');
  writeFileSync(out, JSON.stringify(results, null, 1) + '\n');
  console.log(`wrote ${out}`);
}
