// Writes the benchmark summary of docs/benchmarks.md and the speed table of README.md from a
// results JSON (bench/run.mjs), so the text is never typed by hand: copies the chart to
// docs/bench/chart.svg and replaces what lies between <!-- bench:begin --> and
// <!-- bench:end --> in docs/benchmarks.md (links relative to docs/) and between
// <!-- speed:begin --> and <!-- speed:end --> in README.md.
//   node bench/readme.mjs bench/results/<date>-<machine>.json
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { median } from './lib/measure.mjs';

const ROOT = new URL('../', import.meta.url);
const path = process.argv[2];
if (!path) throw new Error('usage: node bench/readme.mjs RESULTS.json');
const R = JSON.parse(readFileSync(path, 'utf8'));
const res = (key, id) => R.results[key]?.[id];
const ms = (key, id) => res(key, id)?.medianMs;
const f = (x, d = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(d));
const rel = (p) => p.replace(/^.*?(bench\/results\/)/, '$1');

const lines = [];
const m = R.machine;
const c = R.ceilings;
lines.push(`Run of ${R.date.slice(0, 10)} (preset \`${R.preset}\`, ${Math.round(R.durationSeconds / 60)} min) on ${m.cpu}, ${m.availableParallelism} cores, ` +
  `${R.gpuAdapter ? `WebGPU adapter ${R.gpuAdapter}` : 'no WebGPU adapter'}; engine commit \`${(R.software.engine.commit ?? '?').slice(0, 7)}\`. ` +
  `Full numbers: [\`${rel(path)}\`](../${rel(path)}).` +
  (m.loadAverage?.[0] > m.availableParallelism / 2 ? ` The machine was shared during the run (load average ${m.loadAverage[0]} at its start on ${m.availableParallelism} cores): times are noisy.` : ''));
lines.push('');
lines.push(`- **Ceilings.** WASM SIMD multiply-add: ${f(c.wasm1.gflops)} GFLOP/s on one core, ${f(c.wasmAll.gflops)} on ${c.wasmAll.threads}` +
  (c.gpu ? `; the GPU adapter's FP32 FMA rate: ${f(c.gpu.gflops, 2)} GFLOP/s.` : '.'));

// WASM against WebGPU, per case measured on both
const both = R.cases.filter((k) => ms('engine-wasm-1t', k.id) > 0 && ms('engine-webgpu', k.id) > 0);
if (both.length) {
  const ratios = both.map((k) => ms('engine-webgpu', k.id) / ms('engine-wasm-1t', k.id));
  const convs = both.filter((k) => /conv/i.test(k.op ?? ''));
  const cr = convs.map((k) => ms('engine-webgpu', k.id) / ms('engine-wasm-1t', k.id));
  const skipped = R.cases.filter((k) => res('engine-webgpu', k.id)?.skipped).length;
  const soft = /swiftshader/i.test(R.gpuAdapter ?? '');
  lines.push(`- **WASM against ${soft ? 'SwiftShader' : 'the GPU'}.** Over the ${both.length} cases timed on both, WebGPU took ${f(median(ratios))}x the WASM time (median; ` +
    `${f(Math.min(...ratios), 2)}x to ${f(Math.max(...ratios))}x)` + (convs.length ? `, ${f(median(cr))}x on the ${convs.length} convolution kernels` : '') + '.' +
    (skipped ? ` ${skipped} cases were not run on ${soft ? 'SwiftShader (estimated too slow; the cell gives the estimate)' : 'WebGPU'}.` : '') +
    (soft ? ' SwiftShader is a CPU renderer: this says how much faster WASM is than software WebGPU, nothing about GPUs.' : ''));
}

// share of the ceiling
const convRows = (key) => R.cases.filter((k) => k.group === 'op' && /conv/i.test(k.op ?? '')).map((k) => res(key, k.id)).filter((r) => r?.pctCeiling > 0);
const wc = convRows('engine-wasm-1t');
const gen = R.cases.find((k) => k.kind === 'generator');
if (wc.length) {
  const g = gen && res('engine-wasm-1t', gen.id);
  lines.push(`- **Share of the ceiling.** The engine's WASM conv kernels reach ${f(median(wc.map((r) => r.gflops)))} GFLOP/s on one thread (median over ${wc.length}), ` +
    `${f(median(wc.map((r) => r.pctCeiling)), 0)}% of the one-core ceiling` +
    (g?.gflops ? `; the ${gen.id} runs at ${f(g.gflops)} GFLOP/s (${f(g.pctCeiling, 0)}%).` : '.') +
    (convRows('engine-webgpu').length ? ` On WebGPU, ${f(median(convRows('engine-webgpu').map((r) => r.pctCeiling)), 0)}% of the adapter's rate (median over ${convRows('engine-webgpu').length}).` : ''));
}

// peers on the end-to-end cases
lines.push("- Peers on the end-to-end cases (in parentheses: speed relative to the engine's WASM on one thread; above 1 is faster):");
// the engine's other WASM variants (all cores, relaxed SIMD) next to the peers
const peers = R.runners.filter((r) => r.kind === 'peer' || (r.backend === 'wasm' && r.key !== 'engine-wasm-1t'));
for (const k of R.cases.filter((x) => x.group === 'e2e')) {
  const base = ms('engine-wasm-1t', k.id);
  if (!(base > 0)) continue;
  const parts = peers.map((p) => {
    const r = res(p.key, k.id);
    if (r?.medianMs > 0) return `${p.label} ${f(r.medianMs / 1e3, 2)} s (${f(base / r.medianMs, 2)}x)`;
    return `${p.label}: ${r?.skipped ?? r?.error ?? 'not run'}`;
  });
  lines.push(`  - **${k.id}.** Engine WASM 1 thread ${f(base / 1e3, 2)} s; ${parts.join('; ')}.`);
}
lines.push('- End-to-end GFLOP/s count the convolutions the engine dispatched (2 x multiply-adds); peers are given the same count. ' +
  "PyTorch's training step also computes the discriminators' gradients during the generators' backward (the engine skips them: the " +
  'reference discards them), so PyTorch does more work than its figure credits.');
const notes = R.notes ?? [];
if (notes.length) lines.push(`- Notes of the run: ${notes.join('; ')}.`);

const svg = path.replace(/\.json$/, '.svg');
if (existsSync(svg)) {
  mkdirSync(new URL('docs/bench/', ROOT), { recursive: true });
  copyFileSync(svg, new URL('docs/bench/chart.svg', ROOT));
}
const readmeUrl = new URL('docs/benchmarks.md', ROOT);
const readme = readFileSync(readmeUrl, 'utf8');
const begin = '<!-- bench:begin (generated by node bench/readme.mjs RESULTS.json; do not edit) -->';
const end = '<!-- bench:end -->';
const a = readme.indexOf('<!-- bench:begin');
const b = readme.indexOf(end);
if (a < 0 || b < 0) throw new Error('docs/benchmarks.md has no <!-- bench:begin --> ... <!-- bench:end --> block');
const block = `${begin}\n![Speed relative to the engine on WASM, 1 thread](bench/chart.svg)\n\n${lines.join('\n')}\n${end}`;
writeFileSync(readmeUrl, readme.slice(0, a) + block + readme.slice(b + end.length));
console.log(block);

// ------------------------------------------------------------------ README speed table
// A few rows a reader compares with their own stack: the seed's generator, a training step
// and the residual conv that dominates both, each with the engine's builds and the peers of
// the same run, and the engine's effective rate. Effective GFLOP/s count the direct
// algorithm's multiply-adds (x 2) over the time, so an algorithm that does fewer of them
// (Winograd, sub-pixel) can exceed the ceiling, which counts the multiply-adds really done.
const secs = (key, id) => (ms(key, id) > 0 ? `${f(ms(key, id) / 1e3, 2)} s` : '–');
const msCell = (key, id) => (ms(key, id) > 0 ? `${f(ms(key, id), 0)} ms` : '–');
const rows = [
  ['generator 256x256, 9 blocks', 'generator forward 9 blocks @256', secs],
  ['training step 64x64, 6 blocks', 'training step 6 blocks @64', secs],
  ['residual conv 256 ch @64x64', 'conv2d forward 3x3 residual 256->256 @256', msCell],
];
const have = (key) => R.runners.some((r) => r.key === key);
const cols = [
  ['engine 1t', 'engine-wasm-1t'],
  ['engine 1t relaxed', 'engine-wasm-1t-relaxed'],
  [`engine ${R.runners.find((r) => r.key === 'engine-wasm-2t')?.wasmVariant?.threads ?? 2}t`, 'engine-wasm-2t'],
  ['TF.js 1t', 'tfjs-wasm-1t'],
  ['ORT Web 1t', 'ort-wasm-1t'],
  ['PyTorch 1t', 'torch-cpu-1t'],
].filter(([, key]) => have(key));
const table = [
  `| case | ${cols.map(([label]) => label).join(' | ')} | effective GFLOP/s, engine 1t |`,
  `|---|${cols.map(() => '---:').join('|')}|---:|`,
];
for (const [label, id, cell] of rows) {
  if (!R.cases.some((k) => k.id === id)) continue;
  const r1 = res('engine-wasm-1t', id);
  const eff = r1?.gflops > 0 ? `${f(r1.gflops)} (${f(r1.gflops / c.wasm1.gflops, 2)}x ceiling)` : '–';
  table.push(`| ${label} | ${cols.map(([, key]) => cell(key, id)).join(' | ')} | ${eff} |`);
}
const speed = [
  '<!-- speed:begin (generated by node bench/readme.mjs RESULTS.json; do not edit) -->',
  `\`npm run bench\` on ${m.cpu}, ${m.availableParallelism} cores, ${R.date.slice(0, 10)} ([JSON](${rel(path)})); ` +
    `forward passes and one training step, batch 1 (1t: one thread); one-core WASM SIMD ceiling ${f(c.wasm1.gflops)} GFLOP/s.`,
  '',
  ...table,
  '',
  'Effective GFLOP/s: the direct convolution\'s multiply-adds x 2 over the time. Winograd and the sub-pixel ' +
    'convolution do fewer multiplications than that count, so an effective rate can exceed the ceiling.',
  '<!-- speed:end -->',
].join('\n');
const mainReadme = new URL('README.md', ROOT);
const text = readFileSync(mainReadme, 'utf8');
const sa = text.indexOf('<!-- speed:begin');
const sb = text.indexOf('<!-- speed:end -->');
if (sa < 0 || sb < 0) throw new Error('README.md has no <!-- speed:begin --> ... <!-- speed:end --> block');
writeFileSync(mainReadme, text.slice(0, sa) + speed + text.slice(sb + '<!-- speed:end -->'.length));
console.log(speed);
