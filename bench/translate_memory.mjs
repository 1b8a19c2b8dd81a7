// Peak memory of translating one large photo on WASM (issue 14: a 12-megapixel translation must
// stay under 1.5 GiB). Runs the built library (dist/): `npm run build` first.
//   node bench/translate_memory.mjs [width] [height] [residualBlocks] [budgetMiB]
// Prints the WASM heap's size after the run (a wasm32 memory never shrinks, so this is its
// peak), the process's peak resident memory (VmHWM), the tiles and the time.
import { readFileSync } from 'node:fs';
import { createEngine, GeneratorResNet } from '../dist/index.js';
import { translateImage, generatorGeometry } from '../dist/index.js';

const [w = 4000, h = 3000, blocks = 9, budgetMiB = 512] = process.argv.slice(2).map(Number);
const engine = await createEngine({ backend: 'wasm', seed: 1 });
const gen = new GeneratorResNet(engine, [3, 256, 256], blocks);
const geo = generatorGeometry(gen);
const x = new Float32Array(3 * h * w);
let s = 1;
for (let i = 0; i < x.length; i++) x[i] = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
const input = engine.tensor(x, [1, 3, h, w]);
const t0 = performance.now();
let last = null;
let lastPrint = 0;
const y = await translateImage(gen, input, {
  memoryBudget: budgetMiB * 1024 * 1024,
  onProgress: (p) => {
    last = p;
    if (performance.now() - lastPrint > Number(process.env.PRINT_MS ?? 30000)) {
      lastPrint = performance.now();
      // The heap so far and the process's peak, so that a run stopped early still tells its memory.
      const heap = Math.round(engine.memory().backends.wasm.reservedBytes / 2 ** 20);
      const hwmNow = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
      console.error(
        `pass ${p.pass}/${p.passes} tile ${p.tile}/${p.tiles} ${(p.fraction * 100).toFixed(1)}% ${((performance.now() - t0) / 1000).toFixed(0)} s` +
          ` | wasm heap ${heap} MiB, peak RSS ${hwmNow ? Math.round(Number(hwmNow[1]) / 1024) : '?'} MiB`,
      );
    }
  },
});
const seconds = (performance.now() - t0) / 1000;
const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
const wasm = engine.memory().backends.wasm;
console.log(
  JSON.stringify({
    image: `${w}x${h}`,
    residualBlocks: blocks,
    halo: geo.halo,
    budgetMiB,
    tiles: last?.tiles,
    passes: last?.passes,
    outShape: y.shape,
    wasmHeapMiB: Math.round(wasm.reservedBytes / 2 ** 20),
    peakRssMiB: hwm ? Math.round(Number(hwm[1]) / 1024) : null,
    seconds: Math.round(seconds),
  }),
);
y.dispose();
input.dispose();
engine.dispose();
