// `npm run bench`: benchmark.js suites of the WASM kernels at the shapes CycleGAN uses.
// Reports median time, relative margin of error, samples and GFLOP/s (2 x multiply-adds).
// Usage: node bench/run.mjs [--quick] [filter]
import Benchmark from 'benchmark';
import { createEngine, conv2d, convTranspose2d, instanceNorm2d, reflectionPad2d } from '../dist/index.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filter = args.find((a) => !a.startsWith('--')) ?? '';

const engine = await createEngine({ backend: 'wasm', seed: 1 });
const randn = (shape) => engine.randn(shape);

// [name, make inputs, run, FLOP]
function convCase(name, n, cin, h, w, cout, k, stride, padding) {
  const oh = Math.floor((h + 2 * padding - k) / stride) + 1;
  const ow = Math.floor((w + 2 * padding - k) / stride) + 1;
  const flop = 2 * n * cout * oh * ow * cin * k * k;
  const x = randn([n, cin, h, w]);
  const wt = randn([cout, cin, k, k]);
  const b = randn([cout]);
  return { name, flop, run: () => conv2d(x, wt, b, { stride, padding }).dispose() };
}

const cases = [
  convCase('conv2d 7x7 stem 3->64 @128', 1, 3, 134, 134, 64, 7, 1, 0),
  convCase('conv2d 3x3 s2 64->128 @128', 1, 64, 128, 128, 128, 3, 2, 1),
  convCase('conv2d 3x3 s2 128->256 @64', 1, 128, 64, 64, 256, 3, 2, 1),
  convCase('conv2d 3x3 residual 256->256 @32', 1, 256, 34, 34, 256, 3, 1, 0),
  convCase('conv2d 3x3 up 256->128 @64', 1, 256, 64, 64, 128, 3, 1, 1),
  (() => {
    const x = randn([1, 256, 32, 32]);
    const wt = randn([256, 128, 3, 3]);
    return {
      name: 'convTranspose2d 3x3 s2 256->128 @32',
      flop: 2 * 256 * 128 * 9 * 32 * 32,
      run: () => convTranspose2d(x, wt, null, { stride: 2, padding: 1, outputPadding: 1 }).dispose(),
    };
  })(),
  (() => {
    const x = randn([1, 256, 32, 32]);
    return { name: 'instanceNorm2d 256 @32', flop: 0, run: () => instanceNorm2d(x).dispose() };
  })(),
  (() => {
    const x = randn([1, 64, 128, 128]);
    return { name: 'reflectionPad2d 3 64 @128', flop: 0, run: () => reflectionPad2d(x, 3).dispose() };
  })(),
].filter((c) => c.name.includes(filter));

const suite = new Benchmark.Suite('wasm ops');
for (const c of cases) suite.add(c.name, c.run, quick ? { maxTime: 0.5, minSamples: 3 } : { maxTime: 3, minSamples: 5 });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const rows = [];
suite.on('cycle', (ev) => {
  const b = ev.target;
  const c = cases.find((x) => x.name === b.name);
  const med = median(b.stats.sample);
  rows.push({
    case: b.name,
    backend: 'wasm',
    'median ms': (med * 1e3).toFixed(2),
    'rme %': b.stats.rme.toFixed(1),
    samples: b.stats.sample.length,
    'GFLOP/s': c.flop ? (c.flop / med / 1e9).toFixed(2) : '-',
  });
});
suite.on('complete', () => {
  console.table(rows);
  engine.dispose();
});
suite.run({ async: false });
