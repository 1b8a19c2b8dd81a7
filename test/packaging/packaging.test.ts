// Packaging: `npm pack`, install the tarball into an empty project, and there run a small
// conv2d through ESM `import` and CJS `require`, and type-check a consumer with tsc.
// Uses the dist/ that `npm test` builds first; nothing is fetched (the package has no deps).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
let dir: string;
let app: string;
let tarball: string;

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
    expect(esm).toMatch(/WASM_MODULE_BASE64|AGFzbQ/);
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

  it('type-checks ESM and CJS consumers of the public API with tsc', () => {
    const program = `
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
engine.dispose();
`;
    const names =
      'createEngine, conv2d, convTranspose2d, instanceNorm2d, reflectionPad2d, zeroPad2d, upsampleNearest2d, relu, leakyRelu, tanh, add, sub, mul, sum, mean, mseLoss, l1Loss, GeneratorResNet, Discriminator, Tensor';
    writeFileSync(join(app, 'consumer.mts'), `import { ${names} } from 'cyclegan-engine';\n${program}export {};\n`);
    writeFileSync(
      join(app, 'consumer.cts'),
      `import { ${names} } from 'cyclegan-engine';\nasync function main() {${program}}\nvoid main();\n`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2022', 'DOM'],
          types: [],
          strict: true,
          noEmit: true,
        },
        files: ['consumer.mts', 'consumer.cts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app, encoding: 'utf8' });
  });
});
