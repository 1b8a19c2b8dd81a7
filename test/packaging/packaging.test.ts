// Packaging: `npm pack`, install the tarball into an empty project, and there run a small
// conv2d through ESM `import` and CJS `require`, and type-check two consumers with tsc: one
// for pages (DOM lib) and one for Node only (no DOM lib, no skipLibCheck). The tarball is at
// most 600 KB, holds no source maps, and carries the WebAssembly binary once (dist/wasm.js,
// loaded by both bundles; see tsup.config.ts).
// Uses the dist/ that `npm test` builds first; the dependencies come from npm's cache.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
let dir: string;
let app: string;
let tarball: string;
/** What `npm pack --json` says of the tarball. */
let packed: { size: number; files: { path: string; size: number }[] };
const MAX_TARBALL_BYTES = 600 * 1024;

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });

// x [1, 2, 4, 5], w [3, 2, 3, 3], bias [3], stride 2, padding 1 -> y [1, 3, 2, 3]
const X = Array.from({ length: 40 }, (_, i) => Math.round(Math.sin(i * 1.7) * 100) / 100);
const W = Array.from({ length: 54 }, (_, i) => Math.round(Math.cos(i * 0.9) * 100) / 100);
const B = [0.5, -0.25, 0.125];

function referenceConv(): number[] {
  const [cin, h, w, cout, k, s, p] = [2, 4, 5, 3, 3, 2, 1];
  const oh = Math.floor((h + 2 * p - k) / s) + 1;
  const ow = Math.floor((w + 2 * p - k) / s) + 1;
  const out: number[] = [];
  for (let o = 0; o < cout; o++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let acc = B[o];
        for (let c = 0; c < cin; c++)
          for (let u = 0; u < k; u++)
            for (let v = 0; v < k; v++) {
              const y = i * s - p + u;
              const x = j * s - p + v;
              if (y >= 0 && y < h && x >= 0 && x < w) acc += X[(c * h + y) * w + x] * W[((o * cin + c) * k + u) * k + v];
            }
        out.push(acc);
      }
  return out;
}

const consumerBody = (importLine: string) => `${importLine}
(async () => {
  const engine = await createEngine({ backend: 'wasm' });
  const x = engine.tensor(new Float32Array(${JSON.stringify(X)}), [1, 2, 4, 5]);
  const w = engine.tensor(new Float32Array(${JSON.stringify(W)}), [3, 2, 3, 3]);
  const b = engine.tensor(new Float32Array(${JSON.stringify(B)}), [3]);
  const y = conv2d(x, w, b, { stride: 2, padding: 1 });
  console.log(JSON.stringify({ shape: y.shape, data: Array.from(await y.data()) }));
  engine.dispose();
})();
`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cyclegan-pack-'));
  const out = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], root);
  packed = JSON.parse(out)[0];
  tarball = join(dir, JSON.parse(out)[0].filename);
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  npm(['install', '--ignore-scripts', '--no-package-lock', tarball], app);
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships dist with ESM, CJS and both declaration files, and no loose .wasm to fetch', () => {
    const files = readdirSync(join(app, 'node_modules', 'cyclegan-engine', 'dist'));
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts']) expect(files).toContain(f);
    expect(files.filter((f) => f.endsWith('.wasm'))).toEqual([]);
    const esm = readFileSync(join(app, 'node_modules', 'cyclegan-engine', 'dist', 'index.js'), 'utf8');
    // The module is inlined: no .wasm file name appears for the runtime to load.
    expect(esm).not.toMatch(/\.wasm['"`]/);
  });

  it('installs the cyclegan-engine command, which runs the shipped dist/ (nothing to build)', () => {
    const bin = join(app, 'node_modules', '.bin', 'cyclegan-engine');
    const out = execFileSync(bin, ['--version'], { cwd: app, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out.trim()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });

  it(`is at most ${MAX_TARBALL_BYTES / 1024} KB packed, with no source maps`, () => {
    expect(packed.size, `tarball bytes (files: ${packed.files.map((f) => `${f.path} ${f.size}`).join(', ')})`).toBeLessThanOrEqual(MAX_TARBALL_BYTES);
    expect(packed.files.filter((f) => f.path.endsWith('.map'))).toEqual([]);
  });

  it('carries the WebAssembly binary once, in dist/wasm.js, which both bundles load', () => {
    const distDir = join(app, 'node_modules', 'cyclegan-engine', 'dist');
    // 'AGFzbQ' is base64 of the module's magic number, "\0asm": one per build variant.
    const holders = readdirSync(distDir).filter((f) => /\.(c?js)$/.test(f) && readFileSync(join(distDir, f), 'utf8').includes('AGFzbQ'));
    expect(holders).toEqual(['wasm.js']);
    const loaders = readdirSync(distDir).filter((f) => /\.(c?js)$/.test(f) && readFileSync(join(distDir, f), 'utf8').includes("import('./wasm.js')"));
    expect(loaders).toContain('index.cjs');
    expect(loaders.some((f) => f.endsWith('.js')), `ESM files that import wasm.js: ${loaders.join(', ')}`).toBe(true);
  });

  it('depends at run time only on what the bundles import', () => {
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules', 'cyclegan-engine', 'package.json'), 'utf8'));
    const distDir = join(app, 'node_modules', 'cyclegan-engine', 'dist');
    const code = readdirSync(distDir)
      .filter((f) => /\.(c?js)$/.test(f))
      .map((f) => readFileSync(join(distDir, f), 'utf8'))
      .join('\n');
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      expect(code, `dependency ${dep} is never imported by dist/`).toMatch(new RegExp(`['"]${dep.replace(/[-/]/g, '\\$&')}['"]`));
    }
    expect(pkg.scripts?.prepare, 'no install-time build for consumers').toBeUndefined();
    expect(pkg.scripts?.install).toBeUndefined();
    expect(pkg.scripts?.postinstall).toBeUndefined();
  });

  it('runs conv2d through ESM import with the right numbers', () => {
    writeFileSync(join(app, 'esm.mjs'), consumerBody("import { createEngine, conv2d } from 'cyclegan-engine';"));
    const result = JSON.parse(execFileSync(process.execPath, ['esm.mjs'], { cwd: app, encoding: 'utf8' }));
    expect(result.shape).toEqual([1, 3, 2, 3]);
    referenceConv().forEach((v, i) => expect(result.data[i]).toBeCloseTo(v, 5));
  });

  it('runs conv2d through CJS require with the right numbers', () => {
    writeFileSync(join(app, 'cjs.cjs'), consumerBody("const { createEngine, conv2d } = require('cyclegan-engine');"));
    const result = JSON.parse(execFileSync(process.execPath, ['cjs.cjs'], { cwd: app, encoding: 'utf8' }));
    expect(result.shape).toEqual([1, 3, 2, 3]);
    referenceConv().forEach((v, i) => expect(result.data[i]).toBeCloseTo(v, 5));
  });

  it('type-checks ESM and CJS consumers of the public API with tsc, with the DOM lib', () => {
    const names = `${CORE_NAMES}, openWorker, drawToCanvas, CycleGANTrainer, builtinDataset`;
    const dom = `
const trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 1 });
const seen: number[] = [];
await trainer.fit(builtinDataset({ imgHeight: 32, imgWidth: 32, size: 2 }), { onProgress: (p) => seen.push(p.batch) });
const worker = await openWorker({ backend: 'wasm' });
const remote = await worker.createTrainer({ imgHeight: 32, imgWidth: 32 });
await remote.fit({ kind: 'builtin', imgHeight: 32, size: 2 }, { onProgress: (p) => seen.push(p.batchesDone) });
const img = document.createElement('img');
const out = await remote.translate(img, 'AtoB');
const canvas: HTMLCanvasElement = drawToCanvas(out, document.createElement('canvas'));
const bitmap = await createImageBitmap(canvas);
const fromBitmap = await remote.translate(bitmap, 'BtoA');
console.log(seen.length, canvas.width, fromBitmap.width);
await worker.close();
`;
    writeFileSync(join(app, 'consumer.mts'), `import { ${names} } from 'cyclegan-engine';\n${CORE_PROGRAM}${dom}export {};\n`);
    writeFileSync(
      join(app, 'consumer.cts'),
      `import { ${names} } from 'cyclegan-engine';\nasync function main() {${CORE_PROGRAM}${dom}}\nvoid main();\n`,
    );
    tsc('tsconfig.dom.json', { lib: ['ES2022', 'DOM'], types: [] }, ['consumer.mts', 'consumer.cts']);
  });

  it('type-checks a Node-only consumer: lib es2022, @types/node, no DOM lib, no skipLibCheck', () => {
    const names = `${CORE_NAMES}, openWorker, CycleGANTrainer, builtinDataset, loadModel, saveWeights, type RgbaImage`;
    const node = `
const trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 1 });
const seen: number[] = [];
await trainer.fit(builtinDataset({ imgHeight: 32, imgWidth: 32, size: 2 }), { onProgress: (p) => seen.push(p.batch) });
const bytes: Uint8Array = saveWeights(g);
const model = await loadModel(engine, bytes);
const worker = await openWorker({ backend: 'wasm' });
const remote = await worker.createTrainer({ imgHeight: 32, imgWidth: 32 });
await remote.fit({ kind: 'builtin', imgHeight: 32, size: 2 }, { onProgress: (p) => seen.push(p.batchesDone), checkpoint: (b) => seen.push(b.length) });
const photo = { data: new Uint8ClampedArray(32 * 32 * 4), width: 32, height: 32 };
const out: RgbaImage = await remote.translate(photo, 'AtoB');
const batch: Float32Array = await remote.translate(new Float32Array(3 * 32 * 32), 'AtoB');
console.log(seen.length, out.width, batch.length, model.numParameters());
await worker.close();
`;
    writeFileSync(join(app, 'node_consumer.mts'), `import { ${names} } from 'cyclegan-engine';\n${CORE_PROGRAM}${node}export {};\n`);
    writeFileSync(
      join(app, 'node_consumer.cts'),
      `import { ${names} } from 'cyclegan-engine';\nasync function main() {${CORE_PROGRAM}${node}}\nvoid main();\n`,
    );
    // @types/node comes from this repository's node_modules (the consumer project has none).
    tsc('tsconfig.node.json', { lib: ['ES2022'], types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] }, ['node_consumer.mts', 'node_consumer.cts']);
  });
});

const CORE_NAMES =
  'createEngine, conv2d, convTranspose2d, instanceNorm2d, reflectionPad2d, zeroPad2d, upsampleNearest2d, relu, leakyRelu, tanh, add, sub, mul, sum, mean, mseLoss, l1Loss, GeneratorResNet, Discriminator, Tensor';

const CORE_PROGRAM = `
const engine = await createEngine({ backend: 'wasm' });
const x = engine.tensor(new Float32Array(2 * 3 * 9 * 9), [2, 3, 9, 9], { requiresGrad: true });
const w = engine.tensor(new Float32Array(8 * 3 * 3 * 3), [8, 3, 3, 3], { requiresGrad: true });
const y: Tensor = conv2d(x, w, null, { stride: 2, padding: 1 });
const target = engine.zeros(y.shape);
const loss = mseLoss(y, target);
loss.backward();
const gx: Float32Array = await x.grad!.data();
const g = new GeneratorResNet(engine, [3, 64, 64], 2);
const d = new Discriminator(engine, [3, 64, 64]);
const z = tanh(leakyRelu(relu(instanceNorm2d(upsampleNearest2d(reflectionPad2d(zeroPad2d(x, [1, 0, 1, 0]), [1, 1, 1, 1]), 2), { eps: 1e-5 })), 0.2));
const s: Tensor = add(sub(mul(sum(z), 2), mean(z)), l1Loss(z, z));
const t: Tensor = convTranspose2d(y, engine.zeros([8, 4, 3, 3]), null, { stride: 2, padding: 1, outputPadding: 1 });
console.log(gx.length, g.numParameters(), d.outputShape, s.shape, t.shape);
`;

/** Runs this repository's tsc on `files` in the consumer project, strict, without skipLibCheck. */
function tsc(name: string, options: Record<string, unknown>, files: string[]): void {
  writeFileSync(
    join(app, name),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, ...options },
      files,
    }),
  );
  const bin = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [bin, '-p', name], { cwd: app, encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; message: string };
    throw new Error(`tsc -p ${name} failed:\n${err.stdout || err.message}`);
  }
}
