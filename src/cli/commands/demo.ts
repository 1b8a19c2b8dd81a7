// `cyclegan-engine demo`: the main job. Trains a CycleGAN on the built-in dataset in the demo's
// style (DEMO_STYLE: A flat shapes on a light background, B the same kind of shapes on bold
// black-and-white horizontal stripes) for a bounded number of steps, then translates held-out
// images both ways and measures how far they moved towards the other domain and whether the
// shapes stayed in place (src/data/builtin_measure.ts). Writes labelled sample grids, a loss
// chart, the generators' weights and the translations into the output folder.
//
// The defaults are chosen to end within 3 minutes on a 2-core machine. The networks are narrow
// (ngf = ndf = 32, against the reference's 64): a step costs about a quarter of the reference
// width's multiply-adds, and toy shapes need no more. Measured on an idle 2-core machine with 2
// threads: 0.115 s per step (750 steps in 88 s, 1300 in 144 s for the whole command), so the
// 1200 steps take about 2 min 15 s; 1300 steps drew the stripes and the shapes visibly sharper
// than 750 (A->B stripes 62% against 59%, shape IoU 0.70/0.85 against 0.67/0.82);
// --max-minutes (2.5 by default) stops training early on a slower or busy machine, so that the
// whole command still ends within 3 minutes.
// Why these choices (held-out translations, 16 images per direction; docs/demo/ has a run):
//   - one residual block: a convolutional generator draws the same colour everywhere in a flat
//     region, so it can only place stripes from what it sees: the image's borders and the
//     shape. Without a block an output pixel sees 25 pixels across, and the middle rows of a
//     32-pixel image see no border; one block widens that to 41 (every pixel sees one);
//   - bold stripes (4 light rows, 4 dark, backgroundStripeShare 0.5): thin stripes (2 light
//     rows of 8) came out as faint, broken lines; bold ones show after a few hundred steps;
//   - lr 0.0005: at 0.001 the outputs carry colour noise and coloured fringes around the shapes;
//   - lambda_id 10 (the reference's 5 doubled): the identity loss teaches each generator to pass
//     the flat shapes through, which is most of both translations; the B->A shapes came out
//     sharper (IoU 0.83 against 0.80 at 5).
import { resolve, join } from 'node:path';
import { Command } from 'commander';
import { CycleGANTrainer } from '../../cyclegan/trainer.js';
import { translationSheet } from '../../cyclegan/grid_labels.js';
import { builtinDataset } from '../../data/builtin.js';
import type { BuiltinStyle } from '../../data/builtin_draw.js';
import { encodePng } from '../../data/codec.js';
import { formatMeasure, measureTranslation, shapeKeeping, styleStats, type TranslationMeasure } from '../../data/builtin_measure.js';
import type { BackendChoice } from '../../engine.js';
import { makeEngine, parseBackend, parseFloatOpt, parseIntOpt, pad, writeChwImage, type GlobalOptions } from '../common.js';
import { writeFileAtomic } from '../files.js';
import { formatSeconds } from '../progress.js';
import { interruptNotice, runTraining } from '../training.js';
import { commandProgress, runInTrainingThread } from '../training_thread.js';

export const DEMO_DEFAULTS = { steps: 1200, size: 32, blocks: 1, ngf: 32, ndf: 32, batchSize: 1, lr: 0.0005, lambdaCyc: 10, lambdaId: 10, sampleInterval: 200, translations: 8, maxMinutes: 2.5 };

/**
 * The demo's look of the built-in dataset (src/data/builtin_draw.ts): one large shape per image,
 * and B's stripes on the background, bold and even: 8 pixels apart, 4 light rows and 4 dark.
 * Both domains then hold the same flat shapes, so the identity and cycle losses teach the
 * generators to keep each shape's place and colour from the first steps, and the discriminators
 * see stripes over most of every B image; the stripes are drawn by the GAN loss alone.
 */
export const DEMO_STYLE = { stripePeriod: 8, maxShapes: 1, radius: [0.3, 0.42] as [number, number], stripesOn: 'background' as const, backgroundStripeShare: 0.5 };

/** Held-out images per domain that the printed measure averages over (at least --translations). */
const MEASURE_IMAGES = 16;

export interface DemoOptions {
  out: string;
  steps: number;
  size: number;
  blocks: number;
  /** Filters of the generators' and discriminators' first convs (defaults DEMO_DEFAULTS'). */
  ngf?: number;
  ndf?: number;
  batchSize: number;
  lr: number;
  /** Cycle and identity loss weights (defaults DEMO_DEFAULTS'). */
  lambdaCyc?: number;
  lambdaId?: number;
  sampleInterval: number;
  translations: number;
  maxMinutes: number;
  seed: number;
  backend: BackendChoice;
  /** The built-in dataset's look (default DEMO_STYLE); for experiments and tests, not a flag. */
  style?: Partial<BuiltinStyle>;
}

export interface DemoResult {
  steps: number;
  seconds: number;
  measures: TranslationMeasure[];
}

export function demoCommand(globals: () => GlobalOptions): Command {
  return new Command('demo')
    .description(
      'train a CycleGAN on the built-in dataset (A: flat shapes on a light background, B: the same kind of shapes on bold black-and-white stripes) for a bounded number of steps, ' +
        'then translate held-out images both ways and measure how far they moved; writes sample grids, a loss chart, weights and translations',
    )
    .option('-o, --out <dir>', 'output folder', 'cyclegan-demo')
    .option('--steps <n>', 'training steps', parseIntOpt(1), DEMO_DEFAULTS.steps)
    .option('--size <n>', 'image height and width (a multiple of 16, at least 32)', parseIntOpt(32), DEMO_DEFAULTS.size)
    .option('--blocks <n>', 'residual blocks in each generator', parseIntOpt(0, 64), DEMO_DEFAULTS.blocks)
    .option('--ngf <n>', "filters of the generators' first conv (the reference has 64)", parseIntOpt(1, 1024), DEMO_DEFAULTS.ngf)
    .option('--ndf <n>', "filters of the discriminators' first conv (the reference has 64)", parseIntOpt(1, 1024), DEMO_DEFAULTS.ndf)
    .option('--batch-size <n>', 'images per step', parseIntOpt(1), DEMO_DEFAULTS.batchSize)
    .option('--lr <x>', 'Adam learning rate (constant for the first half, then decaying linearly)', parseFloatOpt(0), DEMO_DEFAULTS.lr)
    .option('--lambda-cyc <x>', 'cycle-consistency loss weight', parseFloatOpt(0), DEMO_DEFAULTS.lambdaCyc)
    .option('--lambda-id <x>', 'identity loss weight', parseFloatOpt(0), DEMO_DEFAULTS.lambdaId)
    .option('--sample-interval <n>', 'steps between sample grids', parseIntOpt(1), DEMO_DEFAULTS.sampleInterval)
    .option('--translations <n>', 'held-out images translated each way at the end', parseIntOpt(1, 1000), DEMO_DEFAULTS.translations)
    .option('--max-minutes <m>', 'stop training after this many minutes even if --steps are not done (0: no limit)', parseFloatOpt(0), DEMO_DEFAULTS.maxMinutes)
    .option('--seed <n>', 'seed of the weights, data and shuffling', parseIntOpt(0, 0xffffffff), 0)
    .option('--backend <name>', 'auto, webgpu or wasm', parseBackend, 'auto' as BackendChoice)
    .action(async (opts: DemoOptions) => {
      // Training runs in a worker thread so that a signal stops it within a kernel (src/cli/training_thread.ts).
      const code = await runInTrainingThread({ command: 'demo', opts: { ...opts } }, globals(), (signal) => interruptNotice(signal, false));
      if (code === null) await runDemo(opts, globals());
      else process.exitCode = code;
    });
}

/** The schedule: 4 epochs over the steps, the learning rate decaying linearly over the last two. */
function schedule(steps: number, batchSize: number): { datasetSize: number; nEpochs: number; decayEpoch: number } {
  const nEpochs = steps >= 8 ? 4 : 1;
  const datasetSize = Math.max(1, Math.ceil(steps / nEpochs) * batchSize);
  return { datasetSize, nEpochs, decayEpoch: nEpochs > 1 ? nEpochs / 2 : 0 };
}

export async function runDemo(opts: DemoOptions, g: GlobalOptions): Promise<DemoResult> {
  const out = resolve(opts.out);
  const progress = commandProgress(!!g.quiet);
  const say = (line: string): void => {
    if (!g.quiet) process.stdout.write(`${line}\n`);
  };
  const started = performance.now();
  // Every core unless --threads says otherwise (src/cli/common.ts).
  const engine = await makeEngine(opts.backend, opts.seed, g);
  try {
    const { datasetSize, nEpochs, decayEpoch } = schedule(opts.steps, opts.batchSize);
    const trainer = new CycleGANTrainer(engine, {
      imgHeight: opts.size,
      imgWidth: opts.size,
      nResidualBlocks: opts.blocks,
      ngf: opts.ngf ?? DEMO_DEFAULTS.ngf,
      ndf: opts.ndf ?? DEMO_DEFAULTS.ndf,
      batchSize: opts.batchSize,
      lr: opts.lr,
      lambdaCyc: opts.lambdaCyc ?? DEMO_DEFAULTS.lambdaCyc,
      lambdaId: opts.lambdaId ?? DEMO_DEFAULTS.lambdaId,
      nEpochs,
      decayEpoch,
      sampleInterval: opts.sampleInterval,
      seed: opts.seed,
    });
    try {
      const style = { ...DEMO_STYLE, ...opts.style };
      const train = builtinDataset({ seed: opts.seed, imgHeight: opts.size, size: datasetSize, mode: 'train', style });
      const nMeasure = Math.max(opts.translations, MEASURE_IMAGES);
      const test = builtinDataset({ seed: opts.seed, imgHeight: opts.size, size: nMeasure, mode: 'test', unaligned: false, style });
      const threads = engine.backend === 'wasm' ? `, ${engine.wasmVariant?.threads ?? 1} thread(s)` : '';
      say(
        `demo: CycleGAN ${opts.size}x${opts.size}, ${opts.blocks} residual block(s), ngf ${trainer.options.ngf}, ndf ${trainer.options.ndf}, ${opts.steps} steps of batch ${opts.batchSize}, lr ${opts.lr}, lambda_cyc ${opts.lambdaCyc ?? DEMO_DEFAULTS.lambdaCyc}, lambda_id ${opts.lambdaId ?? DEMO_DEFAULTS.lambdaId} ` +
          `on the ${engine.backend} backend${threads}; built-in dataset (A: flat shapes on light, B: flat shapes on black-and-white stripes); writing into ${out}`,
      );
      const run = await runTraining({ trainer, dataset: train, sampleDataset: test, out, progress, maxSteps: opts.steps, maxSeconds: opts.maxMinutes > 0 ? opts.maxMinutes * 60 : undefined, title: 'demo' });

      // Translations of held-out images, both ways: all of them measured, the first
      // --translations written as single PNGs and as one labelled sheet per direction
      // (skipped when a signal stopped training: the user asked to stop).
      const [c, h, w] = [3, opts.size, opts.size];
      const shape = [nMeasure, c, h, w];
      const real = { A: new Float32Array(nMeasure * c * h * w), B: new Float32Array(nMeasure * c * h * w) };
      for (let i = 0; i < nMeasure; i++) {
        const pair = await test.get(i, trainer.sampleRng);
        real.A.set(pair.A, i * c * h * w);
        real.B.set(pair.B, i * c * h * w);
      }
      const files: string[] = [];
      const measures: TranslationMeasure[] = [];
      const n = opts.translations;
      for (const [dir, src, dst] of run.interrupted ? [] : ([['AtoB', 'A', 'B'], ['BtoA', 'B', 'A']] as const)) {
        const x = engine.tensor(real[src], shape);
        const y = await trainer.translate(x, dir);
        const fake = await y.data();
        x.dispose();
        y.dispose();
        measures.push(measureTranslation(dir, styleStats(real[src], shape, test.style.stripePeriod), styleStats(fake, shape, test.style.stripePeriod), styleStats(real[dst], shape, test.style.stripePeriod), shapeKeeping(real[src], fake, shape, test.style.stripesOn === 'background' ? 'chroma' : 'border')));
        const size = c * h * w;
        for (let i = 0; i < n; i++) {
          const base = join(out, 'translations', dir, pad(i, 3));
          await writeChwImage(`${base}_input.png`, real[src].subarray(i * size, (i + 1) * size), c, h, w);
          await writeChwImage(`${base}_output.png`, fake.subarray(i * size, (i + 1) * size), c, h, w);
        }
        const sheetFile = join(out, `translations_${dir}.png`);
        const rows = [
          { label: `REAL ${src} (HELD OUT)`, data: real[src].subarray(0, n * size) },
          { label: `FAKE ${dst} = G_${src}${dst}(REAL ${src})`, data: fake.subarray(0, n * size) },
          { label: `REAL ${dst} FOR COMPARISON`, data: real[dst].subarray(0, n * size) },
        ];
        const sheet = translationSheet(rows, { n, c, h, w, title: `${src} TO ${dst}, HELD-OUT IMAGES, AFTER ${run.losses.length} STEPS` });
        await writeFileAtomic(sheetFile, await encodePng(sheet.data, sheet.width, sheet.height));
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
        say(`  translations of held-out images (rows: input, output, a real image of the target domain): ${files.join(', ')}`);
        say(`  single images: ${join(out, 'translations')}/{AtoB,BtoA}/NNN_{input,output}.png`);
        say(`how far the translations of ${nMeasure} held-out images moved (stripes: amplitude of B's stripe pattern; background: dark level of the border, its 25th percentile of brightness):`);
        for (const m of measures) for (const line of formatMeasure(m)) say(`  ${line}`);
      }
      if (run.exitCode !== null) process.exitCode = run.exitCode;
      return { steps: done, seconds: total, measures };
    } finally {
      trainer.dispose();
    }
  } finally {
    engine.dispose();
  }
}
