// Run by test/wasm/pool_without_workers.test.ts in a child process (bundled by esbuild), so
// that a caller blocked for ever in Atomics.wait fails that test by its timeout instead of
// blocking the test runner. Prints one JSON line: the threaded result against one thread's,
// after the pool's workers were made to leave (argv[2] === 'gone') or left as they are.
import { WasmBackend } from '../../../src/backends/wasm/backend.js';
import type { WasmStorage } from '../../../src/backends/wasm/storage.js';

const g = { n: 2, cIn: 13, h: 37, w: 41, cOut: 24, kh: 3, kw: 3, oh: 37, ow: 41, strideH: 1, strideW: 1, padH: 1, padW: 1, hasBias: true };

function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

async function conv(threads: number, gone: boolean): Promise<{ threads: number; y: Float32Array }> {
  const b = await WasmBackend.create({ threads, relaxedSimd: false });
  const put = (data: Float32Array): WasmStorage => {
    const s = b.alloc(data.length);
    b.write(s, data);
    return s;
  };
  const x = put(seeded(g.n * g.cIn * g.h * g.w, 1));
  const w = put(seeded(g.cOut * g.cIn * 9, 2));
  const bias = put(seeded(g.cOut, 3));
  if (gone) {
    // Every worker leaves its loop as on dispose (STOP, then a new generation), while the
    // backend still believes it has them: the situation of a worker that never wakes again.
    const ctl = (b as unknown as { pool: { ctl: Int32Array } }).pool.ctl;
    Atomics.store(ctl, 2, 1);
    Atomics.add(ctl, 0, 1);
    Atomics.notify(ctl, 0);
    await new Promise((r) => setTimeout(r, 200));
  }
  const y = b.alloc(g.n * g.cOut * g.oh * g.ow);
  b.kernels.conv2d!([x, w, bias], [y], g);
  const out = { threads: b.variant.threads, y: b.readSync(y) };
  b.dispose();
  return out;
}

const gone = process.argv[2] === 'gone';
const one = await conv(1, false);
const two = await conv(2, gone);
let same = one.y.length === two.y.length;
for (let i = 0; same && i < one.y.length; i++) same = Object.is(one.y[i], two.y[i]);
process.stdout.write(`${JSON.stringify({ threads: two.threads, gone, same, n: one.y.length })}\n`);
