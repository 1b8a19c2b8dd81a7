// Error of the conv kernels against PyTorch in float64 (bench/winograd_error.py), at the
// residual block's shape (256 channels, 32x32 and 64x64 outputs): the direct kernels, Winograd
// F(4x4, 3x3) and F(2x2, 3x3), forward and input gradient, and the weight gradient by the direct
// kernel and by Winograd F(2x2, 3x3) (conv2dGradWeightWinograd). The metric is the conformance
// suite's: max |ours - torch| / max |torch|. Run: node bench/winograd_error.mjs [python]
// (needs Debian's python3-torch; src/ops/conv2d_algorithm.ts cites its numbers).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const python = process.argv[2] ?? '/usr/bin/python3';
const dir = mkdtempSync(join(tmpdir(), 'winograd-error-'));
const gen = spawnSync(python, [join(dirname(fileURLToPath(import.meta.url)), 'winograd_error.py'), dir], { stdio: 'inherit' });
if (gen.status !== 0) throw new Error(`${python} bench/winograd_error.py failed`);
const lib = await import(process.env.CYCLEGAN_DIST ?? '../dist/index.js');
const e = await lib.createEngine({ backend: 'wasm', wasm: { threads: 1, relaxedSimd: false } });
const f = (S, n) => new Float32Array(readFileSync(join(dir, `e${S}_${n}.bin`)).buffer.slice(0));
const rel = (a, r) => {
  let m = 0;
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - r[i]));
    m = Math.max(m, Math.abs(r[i]));
  }
  return d / (m + 1e-6);
};
for (const S of [32, 64]) {
  const x = e.tensor(f(S, 'x'), [1, 256, S + 2, S + 2]);
  const w = e.tensor(f(S, 'w'), [256, 256, 3, 3]);
  const dy = e.tensor(f(S, 'dy'), [1, 256, S, S]);
  const g = { n: 1, cIn: 256, h: S + 2, w: S + 2, cOut: 256, kh: 3, kw: 3, oh: S, ow: S, strideH: 1, strideW: 1, padH: 0, padW: 0 };
  const out = [];
  for (const [label, k, kd, extra] of [
    ['direct', 'conv2d', 'conv2dGradInput', {}],
    ['F(4x4)', 'conv2dWinograd', 'conv2dGradInputWinograd', { tile: 4 }],
    ['F(2x2)', 'conv2dWinograd', 'conv2dGradInputWinograd', { tile: 2 }],
  ]) {
    const [y] = e.runKernel('error', k, [x, w, null], [[1, 256, S, S]], { ...g, hasBias: false, ...extra });
    const [dx] = e.runKernel('error', kd, [dy, w], [[1, 256, S + 2, S + 2]], { ...g, ...extra });
    out.push(`${label} forward ${rel(y.dataSync(), f(S, 'y')).toExponential(2)} input grad ${rel(dx.dataSync(), f(S, 'dx')).toExponential(2)}`);
  }
  const dws = [['direct', 'conv2dGradWeight'], ['F(2x2)', 'conv2dGradWeightWinograd']].map(([label, k]) => {
    const [dw] = e.runKernel('error', k, [dy, x], [[256, 256, 3, 3]], g);
    return `${label} ${rel(dw.dataSync(), f(S, 'dw')).toExponential(2)}`;
  });
  console.log(`256 channels, ${S}x${S}: ${out.join(' | ')} | weight grad: ${dws.join(', ')}`);
}
e.dispose();
rmSync(dir, { recursive: true, force: true });
