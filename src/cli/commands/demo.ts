// `cyclegan-engine demo`: the main job. Trains a CycleGAN on the built-in dataset (A: flat
// shapes on light backgrounds, B: striped shapes on dark) for a bounded number of steps, then
// translates held-out images both ways. Writes sample grids, a loss chart, the generators'
// weights and the translations into the output folder.
import { resolve, join } from 'node:path';
import { Command } from 'commander';
import { CycleGANTrainer } from '../../cyclegan/trainer.js';
import { builtinDataset } from '../../data/builtin.js';
import { encodePng } from '../../data/codec.js';
import { chwToRgba } from '../../data/convert.js';
import type { BackendChoice } from '../../engine.js';
import { makeEngine, parseBackend, parseFloatOpt, parseIntOpt, pad, writeChwImage, type GlobalOptions } from '../common.js';
import { writeFileAtomic } from '../files.js';
import { createProgress, formatSeconds, progressMode } from '../progress.js';
import { runTraining } from '../training.js';

export const DEMO_DEFAULTS = { steps: 150, size: 64, blocks: 3, sampleInterval: 25, translations: 8, maxMinutes: 6 };

interface DemoOptions {
  out: string;
  steps: number;
  size: number;
  blocks: number;
  batchSize: number;
  lr: number;
  sampleInterval: number;
  translations: number;
  maxMinutes: number;
  seed: number;
  backend: BackendChoice;
}

export function demoCommand(globals: () => GlobalOptions): Command {
  return new Command('demo')
    .description(
      'train a CycleGAN on the built-in dataset (A: flat shapes on light, B: striped shapes on dark) for a bounded number of steps, ' +
        'then translate held-out images both ways; writes sample grids, a loss chart, weights and translations',
    )
    .option('-o, --out <dir>', 'output folder', 'cyclegan-demo')
    .option('--steps <n>', 'training steps', parseIntOpt(1), DEMO_DEFAULTS.steps)
    .option('--size <n>', 'image height and width (a multiple of 16, at least 32)', parseIntOpt(32), DEMO_DEFAULTS.size)
    .option('--blocks <n>', 'residual blocks in each generator', parseIntOpt(0, 64), DEMO_DEFAULTS.blocks)
    .option('--batch-size <n>', 'images per step', parseIntOpt(1), 1)
    .option('--lr <x>', 'Adam learning rate', parseFloatOpt(0), 0.0002)
    .option('--sample-interval <n>', 'steps between sample grids', parseIntOpt(1), DEMO_DEFAULTS.sampleInterval)
    .option('--translations <n>', 'held-out images translated each way at the end', parseIntOpt(1, 1000), DEMO_DEFAULTS.translations)
    .option('--max-minutes <m>', 'stop training after this many minutes even if --steps are not done (0: no limit)', parseFloatOpt(0), DEMO_DEFAULTS.maxMinutes)
    .option('--seed <n>', 'seed of the weights, data and shuffling', parseIntOpt(0, 0xffffffff), 0)
    .option('--backend <name>', 'auto, webgpu or wasm', parseBackend, 'auto' as BackendChoice)
    .action(async (opts: DemoOptions) => runDemo(opts, globals()));
}

async function runDemo(opts: DemoOptions, g: GlobalOptions): Promise<void> {
  const out = resolve(opts.out);
  const progress = createProgress(progressMode(!!g.quiet));
  const say = (line: string): void => {
    if (!g.quiet) process.stdout.write(`${line}\n`);
  };
  const started = performance.now();
  const engine = await makeEngine(opts.backend, opts.seed, g);
  try {
    // One epoch holds up to 500 distinct image pairs; longer runs take several epochs.
    const size = Math.min(opts.steps * opts.batchSize, 500);
    const batches = Math.ceil(size / opts.batchSize);
    const nEpochs = Math.max(1, Math.ceil(opts.steps / batches));
    const trainer = new CycleGANTrainer(engine, {
      imgHeight: opts.size,
      imgWidth: opts.size,
      nResidualBlocks: opts.blocks,
      batchSize: opts.batchSize,
      lr: opts.lr,
      nEpochs,
      decayEpoch: nEpochs > 1 ? Math.floor(nEpochs / 2) : 0,
      sampleInterval: opts.sampleInterval,
      seed: opts.seed,
    });
    try {
      const train = builtinDataset({ seed: opts.seed, imgHeight: opts.size, size, mode: 'train' });
      const test = builtinDataset({ seed: opts.seed, imgHeight: opts.size, size: Math.max(opts.translations, 5), mode: 'test' });
      say(
        `demo: CycleGAN ${opts.size}x${opts.size}, ${opts.blocks} residual blocks, ${opts.steps} steps of batch ${opts.batchSize} ` +
          `on the ${engine.backend} backend; built-in dataset (A: flat shapes on light, B: striped shapes on dark); writing into ${out}`,
      );
      const run = await runTraining({ trainer, dataset: train, sampleDataset: test, out, progress, maxSteps: opts.steps, maxSeconds: opts.maxMinutes > 0 ? opts.maxMinutes * 60 : undefined, title: 'demo' });

      // Translations of held-out images, both ways, one PNG each plus a side-by-side sheet
      // (skipped when a signal stopped training: the user asked to stop).
      const [c, h, w] = [3, opts.size, opts.size];
      const n = opts.translations;
      const files: string[] = [];
      for (const [dir, domain] of run.interrupted ? [] : ([['AtoB', 'A'], ['BtoA', 'B']] as const)) {
        const batch = new Float32Array(n * c * h * w);
        for (let i = 0; i < n; i++) {
          const pair = await test.get(i, trainer.sampleRng);
          batch.set(domain === 'A' ? pair.A : pair.B, i * c * h * w);
        }
        const x = engine.tensor(batch, [n, c, h, w]);
        const y = await trainer.translate(x, dir);
        const fake = await y.data();
        x.dispose();
        y.dispose();
        // A sheet: inputs on the top row, translations below.
        const sheet = new Uint8ClampedArray(n * w * 2 * h * 4);
        for (let i = 0; i < n; i++) {
          const real = batch.subarray(i * c * h * w, (i + 1) * c * h * w);
          const fk = fake.subarray(i * c * h * w, (i + 1) * c * h * w);
          const base = join(out, 'translations', dir, pad(i, 3));
          await writeChwImage(`${base}_input.png`, real, c, h, w);
          await writeChwImage(`${base}_output.png`, fk, c, h, w);
          for (const [row, img] of [[0, chwToRgba(real, c, h, w)], [1, chwToRgba(fk, c, h, w)]] as const) {
            for (let y0 = 0; y0 < h; y0++) {
              sheet.set(img.subarray(y0 * w * 4, (y0 + 1) * w * 4), ((row * h + y0) * n * w + i * w) * 4);
            }
          }
        }
        const sheetFile = join(out, `translations_${dir}.png`);
        await writeFileAtomic(sheetFile, await encodePng(sheet, n * w, 2 * h));
        files.push(sheetFile);
      }

      const total = (performance.now() - started) / 1000;
      const done = run.losses.length;
      say('');
      if (run.interrupted) say(`demo: stopped by ${run.signal} after ${done} of ${opts.steps} steps; weights and losses of the last completed step saved, translations skipped`);
      if (run.timeLimited) say(`demo: stopped by --max-minutes ${opts.maxMinutes} after ${done} of ${opts.steps} steps (raise it, or lower --steps)`);
      say(`demo: ${done} steps in ${formatSeconds(run.totalSeconds)}, ${run.meanStepSeconds.toFixed(3)} s per step on ${engine.backend}; total ${formatSeconds(total)}`);
      say(`  sample grids (rows: real A, fake B, real B, fake A): ${join(out, 'samples')}/ (${run.files.samples.length} files)`);
      say(`  loss chart: ${run.files.chart} (data: ${run.files.csv})`);
      say(`  weights: ${run.files.weights.join(', ')}`);
      if (files.length) {
        say(`  translations of held-out images (top: input, bottom: output): ${files.join(', ')}`);
        say(`  single images: ${join(out, 'translations')}/{AtoB,BtoA}/NNN_{input,output}.png`);
      }
      if (run.exitCode !== null) process.exitCode = run.exitCode;
    } finally {
      trainer.dispose();
    }
  } finally {
    engine.dispose();
  }
}
