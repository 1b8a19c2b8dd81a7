// benchmark.js suite comparing the backends: conv2d forward, conv2d backward (input and weight
// gradients) and the generator forward, on WASM and on WebGPU, printed as one table.
// GPU work is asynchronous, so each WebGPU sample ends with `await engine.sync()` (a deferred
// benchmark): the time includes submission, execution and the wait, as a user would see it.
//
// Without a GPU, WebGPU in Node runs on SwiftShader, a software renderer on the CPU: its times
// say nothing about GPU speed, only that the path works. The table says which adapter ran.
//
// Usage: node bench/webgpu.bench.mjs [--quick] [--backend wasm|webgpu|both] [filter]
//   (after `npm run build`; CYCLEGAN_DIST=path/to/index.js benchmarks another build)
import { existsSync } from 'node:fs';
import Benchmark from 'benchmark';

// SwiftShader's Vulkan driver (Debian's chromium) when no driver was chosen: set before Dawn starts.
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

const lib = await import(process.env.CYCLEGAN_DIST ?? '../dist/index.js');
const { createEngine, conv2d, GeneratorResNet } = lib;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const backendArg = args.includes('--backend') ? args[args.indexOf('--backend') + 1] : 'both';
const filter = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--backend') ?? '';
const wanted = backendArg === 'both' ? ['wasm', 'webgpu'] : [backendArg];

/** The cases, at shapes of the CycleGAN generator (64x64 images keep SwiftShader bearable). */
function cases(engine) {
  const convCase = (name, cin, h, cout, k, stride, padding) => {
    const oh = Math.floor((h + 2 * padding - k) / stride) + 1;
    const flop = 2 * cout * oh * oh * cin * k * k;
    const x = engine.randn([1, cin, h, h]);
    const w = engine.randn([cout, cin, k, k], { std: 0.05 });
    const b = engine.randn([cout]);
    const forward = { name: `conv2d fwd ${name}`, flop, run: () => conv2d(x, w, b, { stride, padding }).dispose() };
    const xg = engine.randn([1, cin, h, h], { requiresGrad: true });
    const wg = engine.randn([cout, cin, k, k], { std: 0.05, requiresGrad: true });
    const dy = engine.randn([1, cout, oh, oh]);
    const backward = {
      name: `conv2d bwd ${name}`,
      // input and weight gradients: twice the forward's multiply-adds
      flop: 2 * flop,
      run: () => {
        engine.tidy(() => conv2d(xg, wg, null, { stride, padding }).backward(dy));
        xg.zeroGrad();
        wg.zeroGrad();
      },
    };
    return [forward, backward];
  };
  const generator = (blocks, size) => {
    const g = new GeneratorResNet(engine, [3, size, size], blocks);
    g.eval();
    const x = engine.randn([1, 3, size, size]);
    return {
      name: `generator fwd ${blocks} blocks @${size}`,
      flop: 0,
      run: () => engine.noGrad(() => engine.tidy(() => g.forward(x))).dispose(),
    };
  };
  return [
    ...convCase('3x3 s2 64->128 @64', 64, 64, 128, 3, 2, 1),
    ...convCase('3x3 256->256 @16', 256, 18, 256, 3, 1, 0),
    ...convCase('7x7 64->3 @64', 64, 70, 3, 7, 1, 0),
    generator(quick ? 2 : 9, 64),
  ].filter((c) => c.name.includes(filter));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function runBackend(backend) {
  const engine = await createEngine({ backend: backend === 'webgpu' ? 'webgpu' : 'wasm', seed: 1 });
  const adapter = engine.dispatchReport().selection.adapter ?? 'wasm simd';
  const list = cases(engine);
  const suite = new Benchmark.Suite(backend);
  const options = quick ? { maxTime: 1, minSamples: 2 } : { maxTime: 5, minSamples: 5 };
  for (const c of list) {
    if (backend === 'webgpu') {
      // Warm-up run: pipelines compile on first use.
      c.run();
      await engine.sync();
      suite.add(c.name, {
        ...options,
        defer: true,
        fn: (deferred) => {
          c.run();
          engine.sync().then(() => deferred.resolve());
        },
      });
    } else {
      c.run();
      suite.add(c.name, c.run, options);
    }
  }
  const rows = [];
  await new Promise((resolve) => {
    suite.on('cycle', (ev) => {
      const b = ev.target;
      const c = list.find((x) => x.name === b.name);
      const med = median(b.stats.sample);
      rows.push({
        case: b.name,
        backend,
        'median ms': (med * 1e3).toFixed(2),
        'rme %': b.stats.rme.toFixed(1),
        samples: b.stats.sample.length,
        'GFLOP/s': c.flop ? (c.flop / med / 1e9).toFixed(2) : '-',
        adapter,
      });
    });
    suite.on('complete', resolve);
    suite.run({ async: true });
  });
  const fallbacks = Object.entries(engine.dispatchReport().kernels).filter(([, v]) => v.wasm && backend === 'webgpu');
  if (fallbacks.length) console.warn(`webgpu: kernels that ran on WASM: ${fallbacks.map(([k]) => k).join(', ')}`);
  engine.dispose();
  return rows;
}

const rows = [];
for (const backend of wanted) {
  try {
    rows.push(...(await runBackend(backend)));
  } catch (e) {
    console.warn(`${backend}: skipped (${e.message})`);
  }
}
rows.sort((a, b) => a.case.localeCompare(b.case) || a.backend.localeCompare(b.backend));
console.table(rows);
if (rows.some((r) => /swiftshader/i.test(r.adapter))) {
  console.log('Note: the WebGPU rows ran on SwiftShader, a CPU software renderer: they show the path works, not GPU speed.');
}
