// Peak memory and time of translating one large photo on WASM (issue 14: a 12-megapixel
// translation must stay under 1.5 GiB). Runs the built library (dist/): `npm run build` first.
//   node bench/translate_memory.mjs [width] [height] [residualBlocks] [budgetMiB|default] [store] [threads]
// store: auto (default), memory or file (where the tiled schedule keeps its one whole-image
// activation, src/translate/tiled.ts). Prints one JSON line: the WASM memory's size after the run
// (a wasm32 memory never shrinks, so this is its peak), the process's peak resident memory
// (VmHWM, which includes the WASM memory's touched pages), the schedule's segments and tiles, and
// the wall time. Progress (with the memory so far) goes to stderr every PRINT_MS (30 s).
// The 12-megapixel run takes many minutes and loads the machine: run it with `nice -n 10`.
// Measured 2026-12-04 on the 2-core AMD EPYC machine, otherwise idle:
//   nice -n 10 node bench/translate_memory.mjs 4000 3000 9 default auto 2
//     store file (732 MiB), 35 front tiles of 608x608 x 4 passes, 9 blocks x 38 bands of 20 rows
//     x 3 passes, 35 back tiles of 152x152 x 3 passes: peak WASM memory 747 MiB, peak RSS
//     1233 MiB, 463 s.
//   node bench/translate_memory.mjs 1000 752 9 default auto 2
//     untiled: peak WASM memory 817 MiB, peak RSS 882 MiB, 10 s.
// (2026-12-03, when the upsampled activation still counted in the tile size and a 1000x752 photo
// was tiled: 80 back tiles, 604 MiB / 932 MiB for 12 megapixels, 1457 s on a machine loaded by
// other work; 1000x752 tiled 450 MiB / 846 MiB.)
//   Residual bands sized to the whole budget instead of a quarter (84 rows) had reached 801 MiB
//   of WASM memory and 1424 MiB RSS in the first block of the 12-megapixel run.
import { readFileSync } from 'node:fs';
import { createEngine, GeneratorResNet, translateImage, generatorGeometry } from '../dist/index.js';

const args = process.argv.slice(2);
const [w, h, blocks] = [Number(args[0] ?? 4000), Number(args[1] ?? 3000), Number(args[2] ?? 9)];
const budgetMiB = args[3] === undefined || args[3] === 'default' ? null : Number(args[3]);
const store = args[4] ?? 'auto';
const threads = Number(args[5] ?? 2);
const peakRssMiB = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : null;
};
const engine = await createEngine({ backend: 'wasm', seed: 1, wasm: { threads } });
const gen = new GeneratorResNet(engine, [3, 256, 256], blocks);
const geo = generatorGeometry(gen);
// The photo made in the WASM heap directly (no host copy kept, as a caller that decoded it
// and let its array go).
const input = engine.rand([1, 3, h, w], { seed: 7 });
const rssBefore = peakRssMiB();
const t0 = performance.now();
let last = null;
let report = null;
let lastPrint = 0;
const y = await translateImage(gen, input, {
  ...(budgetMiB === null ? {} : { memoryBudget: budgetMiB * 1024 * 1024 }),
  activationStore: store,
  onTiled: (r) => {
    report = r;
  },
  onProgress: (p) => {
    last = p;
    if (performance.now() - lastPrint > Number(process.env.PRINT_MS ?? 30000)) {
      lastPrint = performance.now();
      // The heap so far and the process's peak, so that a run stopped early still tells its memory.
      const heap = Math.round(engine.memory().backends.wasm.reservedBytes / 2 ** 20);
      console.error(
        `pass ${p.pass}/${p.passes} tile ${p.tile}/${p.tiles} ${(p.fraction * 100).toFixed(1)}% ${((performance.now() - t0) / 1000).toFixed(0)} s` +
          ` | wasm memory ${heap} MiB, peak RSS ${peakRssMiB()} MiB`,
      );
    }
  },
});
const seconds = (performance.now() - t0) / 1000;
const wasm = engine.memory().backends.wasm;
console.log(
  JSON.stringify({
    image: `${w}x${h}`,
    residualBlocks: blocks,
    threads,
    budgetMiB: budgetMiB ?? 'default',
    store: report?.store ?? null,
    schedule: report?.schedule ?? 'untiled',
    storeMiB: report ? Math.round(report.storeBytes / 2 ** 20) : 0,
    segments: report?.segments.map((g) => `${g.name}: ${g.tiles} tiles of ${g.tile.join('x')} (halo ${g.halo}) x ${g.passes} passes`),
    wholeNetworkHalo: geo.halo,
    passes: last?.passes,
    outShape: y.shape,
    peakWasmMemoryMiB: Math.round(wasm.reservedBytes / 2 ** 20),
    peakRssMiB: peakRssMiB(),
    rssBeforeTranslateMiB: rssBefore,
    seconds: Math.round(seconds),
  }),
);
y.dispose();
input.dispose();
engine.dispose();
