// Time of `cyclegan-engine translate` on a 512x512 photo with a 9-block generator (issue 13:
// at most 4 s on 2 cores), whole command and phases, plus a per-kernel profile of the forward.
// Runs the built package (dist/, bin/): `npm run build` first.
//   node bench/translate_cli.mjs [--runs 3] [--size 512] [--threads N] [--no-profile] [--cli path/to/bin.mjs ...]
// Several --cli entries are timed in interleaved rounds (before/after on a shared machine: build
// the old tree elsewhere and pass both bins). Prints JSON lines; medians over --runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('--runs', 3));
const size = Number(opt('--size', 512));
const threads = opt('--threads', undefined);
const clis = args.flatMap((a, i) => (a === '--cli' ? [resolve(args[i + 1])] : []));
if (clis.length === 0) clis.push(join(root, 'bin/cyclegan-engine.mjs'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = join(tmpdir(), `translate_cli_${process.pid}`);
mkdirSync(dir, { recursive: true });

const lib = await import(join(root, 'dist/index.js'));

/** A seeded 512x512 photo-like PNG (gradients, edges and noise) and a 9-block generator (random init). */
async function makeInputs() {
  const engine = await lib.createEngine({ backend: 'wasm', seed: 7, wasm: { threads: 1 } });
  const gen = new lib.GeneratorResNet(engine, [3, 256, 256], 9);
  const weights = join(dir, 'G_AB.safetensors');
  writeFileSync(weights, await lib.saveWeightsAsync(gen, { metadata: { direction: 'AtoB' } }));
  gen.dispose();
  engine.dispose();
  const rgba = new Uint8Array(size * size * 4);
  let s = 3;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const i = 4 * (y * size + x);
      rgba[i] = (x + (s & 31)) & 255;
      rgba[i + 1] = (2 * y + ((s >>> 8) & 31)) & 255;
      rgba[i + 2] = ((x ^ y) + ((s >>> 16) & 63)) & 255;
      rgba[i + 3] = 255;
    }
  }
  const image = join(dir, 'photo.png');
  writeFileSync(image, await lib.encodePng(rgba, size, size));
  return { weights, image };
}

const { weights, image } = await makeInputs();

// 1. The whole command, wall clock, as a user runs it (the CLI's own "translated ... in X s" too).
const times = clis.map(() => ({ wall: [], translating: [] }));
for (let r = 0; r < runs; r++) {
  clis.forEach((cli, c) => {
    const out = join(dir, `out_${c}.png`);
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [cli, 'translate', '-w', weights, '-i', image, '-o', out, ...(threads ? ['--threads', threads] : [])], { encoding: 'utf8' });
    const wall = (performance.now() - t0) / 1000;
    if (p.status !== 0) throw new Error(`${cli} failed: ${p.stderr}`);
    times[c].wall.push(wall);
    const m = /in ([\d.]+) s/.exec(p.stdout + p.stderr);
    if (m) times[c].translating.push(Number(m[1]));
  });
}
clis.forEach((cli, c) =>
  console.log(JSON.stringify({ what: 'cli', cli, size, runs, wallMedian: median(times[c].wall), wall: times[c].wall, translatingMedian: median(times[c].translating) })),
);

// 2. Phases, in one process, as the CLI does them (src/cli/commands/translate.ts).
const phases = join(dir, 'phases.mjs');
writeFileSync(
  phases,
  `const t0 = performance.now();
const lap = {}; let last = t0; const mark = (k) => { const n = performance.now(); lap[k] = +(n - last).toFixed(1); last = n; };
const { readFileSync, writeFileSync } = await import('node:fs');
const lib = await import(${JSON.stringify(join(root, 'dist/index.js'))});
mark('import');
const engine = await lib.createEngine({ backend: 'wasm'${threads ? `, wasm: { threads: ${threads} }` : ''} });
mark('engine');
const gen = await lib.loadModel(engine, readFileSync(${JSON.stringify(weights)}));
mark('weights');
const img = await lib.decodeImage(readFileSync(${JSON.stringify(image)}));
const chw = lib.transformImage({ data: img.data, width: img.width, height: img.height, channels: 4 }, { imgHeight: img.height, imgWidth: img.width, channels: 3, kind: 'eval' });
mark('decode');
const x = engine.tensor(chw, [1, 3, img.height, img.width]);
const y = await lib.translateImage(gen, x, {});
const data = await y.data();
mark('forward');
writeFileSync(${JSON.stringify(join(dir, 'phases.png'))}, await lib.encodePng(lib.chwToRgba(data, 3, img.height, img.width), img.width, img.height));
mark('encode');
lap.total = +(performance.now() - t0).toFixed(1);
lap.processStartToImport = +(performance.timeOrigin + t0 - Number(process.env.SPAWNED_AT)).toFixed(1);
console.log(JSON.stringify(lap));
engine.dispose();
`,
);
const laps = [];
for (let r = 0; r < runs; r++) {
  const out = execFileSync(process.execPath, [phases], { encoding: 'utf8', env: { ...process.env, SPAWNED_AT: String(performance.timeOrigin + performance.now()) } });
  laps.push(JSON.parse(out.trim().split('\n').pop()));
}
const phaseMedian = Object.fromEntries(Object.keys(laps[0]).map((k) => [k, median(laps.map((l) => l[k]))]));
console.log(JSON.stringify({ what: 'phases-ms', size, runs, median: phaseMedian }));

// 3. Per-kernel profile of the untiled forward (second pass: the first pays the filter transforms).
if (!args.includes('--no-profile')) {
  for (const t of threads ? [Number(threads)] : [1, 2]) {
    const engine = await lib.createEngine({ backend: 'wasm', wasm: { threads: t } });
    const gen = await lib.loadModel(engine, readFileSync(weights));
    const backends = engine.backends; // private in TypeScript; a bench may look inside
    const run = backends.run.bind(backends);
    const prof = new Map();
    let on = false;
    backends.run = (kernel, ins, outs, attrs) => {
      if (!on) return run(kernel, ins, outs, attrs);
      const t0 = performance.now();
      const r = run(kernel, ins, outs, attrs);
      const dt = performance.now() - t0;
      const conv = attrs && typeof attrs === 'object' && 'cIn' in attrs;
      const g = conv ? ` ${attrs.cIn}->${attrs.cOut}${attrs.kh ? ` k${attrs.kh} s${attrs.strideH}` : ''} ${attrs.h}x${attrs.w}` : ` ${ins[0]?.numel ?? ''} floats`;
      const key = kernel + g;
      const e = prof.get(key) ?? { ms: 0, calls: 0 };
      e.ms += dt;
      e.calls++;
      prof.set(key, e);
      return r;
    };
    const x = engine.tensor(new Float32Array(3 * size * size).map((_, i) => Math.sin(i * 0.37)), [1, 3, size, size]);
    (await lib.translateImage(gen, x, {})).dispose();
    on = true;
    const t0 = performance.now();
    (await lib.translateImage(gen, x, {})).dispose();
    const total = performance.now() - t0;
    const rows = [...prof.entries()].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => ({ kernel: k, ms: +v.ms.toFixed(1), calls: v.calls, pct: +((100 * v.ms) / total).toFixed(1) }));
    console.log(JSON.stringify({ what: 'kernel-profile', threads: t, size, forwardMs: +total.toFixed(0), rows }));
    engine.dispose();
  }
}
