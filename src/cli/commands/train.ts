// `cyclegan-engine train --data DIR`: PyTorch-GAN's cyclegan.py training on a folder dataset
// (PyTorch-GAN layout train/A, train/B, ... or the original's trainA, trainB, ...), with its
// options as flags. Ctrl-C or SIGTERM stops within a step and writes a checkpoint of the last
// completed step; --resume continues exactly (flags that contradict the checkpoint are refused).
import { mkdir } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { CycleGANTrainer } from '../../cyclegan/trainer.js';
import type { CycleGANOptions, ResolvedCycleGANOptions } from '../../cyclegan/options.js';
import { decodeCheckpoint, readFileBytes } from '../../cyclegan/checkpoint.js';
import { loadFolderDataset } from '../../data/folder.js';
import type { BackendChoice } from '../../engine.js';
import { makeEngine, parseBackend, parseFloatOpt, parseIntOpt, type GlobalOptions } from '../common.js';
import { CliError } from '../errors.js';
import { formatSeconds } from '../progress.js';
import { interruptNotice, runTraining } from '../training.js';
import { commandProgress, runInTrainingThread } from '../training_thread.js';

export interface TrainOptions {
  data: string;
  out: string;
  resume?: string;
  epoch: number;
  nEpochs: number;
  decayEpoch: number;
  batchSize: number;
  lr: number;
  b1: number;
  b2: number;
  imgHeight: number;
  imgWidth: number;
  channels: number;
  nResidualBlocks: number;
  ngf: number;
  ndf: number;
  lambdaCyc: number;
  lambdaId: number;
  sampleInterval: number;
  checkpointInterval: number;
  seed: number;
  maxSteps?: number;
  backend: BackendChoice;
}

function parseCheckpointInterval(v: string): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || (n !== -1 && n < 1)) throw new CliError(`--checkpoint-interval must be a positive integer or -1, got ${v}`, 2);
  return n;
}

export function trainCommand(globals: () => GlobalOptions): Command {
  const cmd = new Command('train')
    .description(
      "train a CycleGAN on a folder dataset with PyTorch-GAN's cyclegan.py options " +
        '(Ctrl-C or SIGTERM stops within a step and writes a checkpoint of the last completed one; Ctrl-C twice quits at once)',
    )
    .requiredOption('--data <dir>', 'dataset folder: train/A, train/B (PyTorch-GAN) or trainA, trainB (original CycleGAN); test split optional')
    .option('-o, --out <dir>', 'output folder (samples, checkpoint, weights, loss chart)', 'cyclegan-train')
    .option('--resume <checkpoint>', 'continue from a training checkpoint (its options are kept; a flag below that differs from them is an error, except the intervals)')
    .option('--epoch <n>', 'epoch to start training from', parseIntOpt(0), 0)
    .option('--n-epochs <n>', 'number of epochs of training', parseIntOpt(1), 200)
    .option('--decay-epoch <n>', 'epoch from which to start lr decay', parseIntOpt(0), 100)
    .option('--batch-size <n>', 'size of the batches', parseIntOpt(1), 1)
    .option('--lr <x>', 'adam: learning rate', parseFloatOpt(0), 0.0002)
    .option('--b1 <x>', 'adam: decay of first order momentum of gradient', parseFloatOpt(0), 0.5)
    .option('--b2 <x>', 'adam: decay of second order momentum of gradient', parseFloatOpt(0), 0.999)
    .option('--img-height <n>', 'size of image height (a multiple of 16)', parseIntOpt(16), 256)
    .option('--img-width <n>', 'size of image width (a multiple of 16)', parseIntOpt(16), 256)
    .option('--channels <n>', 'number of image channels (3 or 1)', parseIntOpt(1, 3), 3)
    .option('--n-residual-blocks <n>', 'number of residual blocks in generator', parseIntOpt(0, 64), 9)
    .option('--ngf <n>', "filters of the generators' first conv (64 as in the reference; 32 or 16 for small, simple data, about 4x or 16x less work)", parseIntOpt(1, 1024), 64)
    .option('--ndf <n>', "filters of the discriminators' first conv (64 as in the reference)", parseIntOpt(1, 1024), 64)
    .option('--lambda-cyc <x>', 'cycle loss weight', parseFloatOpt(0), 10.0)
    .option('--lambda-id <x>', 'identity loss weight', parseFloatOpt(0), 5.0)
    .option('--sample-interval <n>', 'interval (batches) between sample grids', parseIntOpt(1), 100)
    .option('--checkpoint-interval <n>', 'interval (epochs) between checkpoints, -1 for only at the end or on Ctrl-C', parseCheckpointInterval, -1)
    .option('--seed <n>', 'seed of the weights, shuffling and replay buffers', parseIntOpt(0, 0xffffffff), 0)
    .option('--max-steps <n>', 'stop after this many steps of this run, writing a checkpoint (continue with --resume)', parseIntOpt(1))
    .option('--backend <name>', 'auto, webgpu or wasm', parseBackend, 'auto' as BackendChoice);
  cmd.action(async (opts: TrainOptions) => {
    const given = (k: string): boolean => cmd.getOptionValueSource(k) === 'cli';
    // Training runs in a worker thread so that a signal stops it within a kernel (src/cli/training_thread.ts).
    const job = { command: 'train' as const, opts: { ...opts }, given: Object.keys(opts).filter(given) };
    const code = await runInTrainingThread(job, globals(), (signal) => interruptNotice(signal, true));
    if (code === null) await runTrain(opts, globals(), given);
    else process.exitCode = code;
  });
  return cmd;
}

/** The flags that set a training option a checkpoint fixes (all but the two intervals). */
const RESUME_FIXED = [
  'epoch',
  'nEpochs',
  'decayEpoch',
  'batchSize',
  'lr',
  'b1',
  'b2',
  'imgHeight',
  'imgWidth',
  'channels',
  'nResidualBlocks',
  'ngf',
  'ndf',
  'lambdaCyc',
  'lambdaId',
  'seed',
] as const satisfies readonly (keyof TrainOptions & keyof ResolvedCycleGANOptions)[];

const flagOf = (key: string): string => `--${key.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`;

/** Refuses (exit 2) flags given with --resume whose value differs from the checkpoint's option. */
function checkResumeFlags(opts: TrainOptions, saved: Readonly<ResolvedCycleGANOptions>, given: (key: string) => boolean, path: string): void {
  const conflicts = RESUME_FIXED.filter((k) => given(k) && opts[k] !== saved[k]).map((k) => `${flagOf(k)} ${opts[k]} (checkpoint: ${saved[k]})`);
  if (conflicts.length) {
    throw new CliError(
      `--resume ${path}: ${conflicts.length === 1 ? 'this flag contradicts' : 'these flags contradict'} the checkpoint's training options: ` +
        `${conflicts.join(', ')}. A resumed run keeps the checkpoint's options; drop ${conflicts.length === 1 ? 'the flag' : 'them'}, or start a new run with --out elsewhere`,
      2,
    );
  }
}

const mib = (bytes: number | undefined): string => (typeof bytes === 'number' ? (bytes / 2 ** 20).toFixed(0) : '?');

/** The hint printed when the run's ETA is hours: the settings that make it practical here. */
function slowRunHint(backend: string, o: Readonly<ResolvedCycleGANOptions>): string {
  const ways: string[] = [];
  if (o.imgHeight > 128 || o.imgWidth > 128 || o.nResidualBlocks > 6) {
    ways.push('--img-height 128 --img-width 128 --n-residual-blocks 6 (about 4x less work per step than 256x256 with 9 blocks)');
  }
  if (backend === 'wasm') {
    ways.push(`--threads ${cpus().length} (WASM kernel threads, one per core of this machine)`);
    ways.push('--backend webgpu (a GPU, where one is available)');
  }
  return ways.length
    ? `train: this run would take hours on ${backend}. To make it practical: ${ways.join('; ')}`
    : `train: this run would take hours on ${backend}; fewer --n-epochs or a smaller dataset shortens it`;
}

export async function runTrain(opts: TrainOptions, g: GlobalOptions, given: (key: string) => boolean): Promise<void> {
  const say = (line: string): void => {
    if (!g.quiet) process.stdout.write(`${line}\n`);
  };
  if (opts.channels !== 1 && opts.channels !== 3) throw new CliError(`--channels must be 3 or 1, got ${opts.channels}`, 2);
  const out = resolve(opts.out);
  const checkpoint = join(out, 'checkpoint.safetensors');
  // The checkpoint's options are checked against the flags before anything starts.
  let resumeBytes: Uint8Array | null = null;
  if (opts.resume) {
    resumeBytes = await readFileBytes(resolve(opts.resume));
    checkResumeFlags(opts, decodeCheckpoint(resumeBytes, opts.resume).options, given, opts.resume);
  }
  // The output folder exists before training starts: checkpoints and samples go there.
  try {
    await mkdir(out, { recursive: true });
  } catch (e) {
    throw new CliError(`cannot create the output folder ${out}: ${(e as Error).message}`);
  }
  // Without --resume the dataset is opened (and every file checked) before the engine starts.
  const shape0 = { imgHeight: opts.imgHeight, imgWidth: opts.imgWidth, channels: opts.channels as 1 | 3 };
  const early = opts.resume ? null : await loadFolderDataset(resolve(opts.data), { ...shape0, mode: 'train' });
  const engine = await makeEngine(opts.backend, opts.seed, g);
  try {
    let trainer: CycleGANTrainer;
    if (resumeBytes) {
      const overrides: Pick<CycleGANOptions, 'sampleInterval' | 'checkpointInterval'> = {};
      if (given('sampleInterval')) overrides.sampleInterval = opts.sampleInterval;
      if (given('checkpointInterval')) overrides.checkpointInterval = opts.checkpointInterval;
      trainer = await CycleGANTrainer.resume(engine, resumeBytes, overrides);
      resumeBytes = null;
    } else {
      trainer = new CycleGANTrainer(engine, {
        epoch: opts.epoch,
        nEpochs: opts.nEpochs,
        decayEpoch: opts.decayEpoch,
        batchSize: opts.batchSize,
        lr: opts.lr,
        b1: opts.b1,
        b2: opts.b2,
        imgHeight: opts.imgHeight,
        imgWidth: opts.imgWidth,
        channels: opts.channels,
        nResidualBlocks: opts.nResidualBlocks,
        ngf: opts.ngf,
        ndf: opts.ndf,
        lambdaCyc: opts.lambdaCyc,
        lambdaId: opts.lambdaId,
        sampleInterval: opts.sampleInterval,
        checkpointInterval: opts.checkpointInterval,
        seed: opts.seed,
      });
    }
    try {
      const o = trainer.options;
      const shape = { imgHeight: o.imgHeight, imgWidth: o.imgWidth, channels: o.channels as 1 | 3 };
      const dataset = early ?? (await loadFolderDataset(resolve(opts.data), { ...shape, mode: 'train' }));
      let sampleDataset;
      try {
        sampleDataset = await loadFolderDataset(resolve(opts.data), { ...shape, mode: 'test', transform: 'eval' });
      } catch {
        sampleDataset = undefined; // no test split: samples come from the training set
      }
      say(
        `train: ${dataset.layout} layout, ${dataset.files.A.length} A and ${dataset.files.B.length} B images; ` +
          `${o.imgHeight}x${o.imgWidth}, ${o.nResidualBlocks} residual blocks${o.ngf !== 64 || o.ndf !== 64 ? `, ngf ${o.ngf}, ndf ${o.ndf}` : ''}, epochs ${trainer.epoch}..${o.nEpochs}` +
          `${opts.resume ? ` (resumed at epoch ${trainer.epoch}, batch ${trainer.batch})` : ''} on ${engine.backend}; writing into ${out}`,
      );
      const progress = commandProgress(!!g.quiet);
      const run = await runTraining({
        trainer,
        dataset,
        sampleDataset,
        out,
        progress,
        checkpoint,
        maxSteps: opts.maxSteps,
        appendLosses: !!opts.resume,
        slowRunHint: () => slowRunHint(engine.backend, o),
        title: 'train',
      });
      say('');
      const r = run.result;
      say(
        `train: ${r.status === 'completed' ? 'completed' : run.signal ? `stopped by ${run.signal}` : opts.maxSteps !== undefined && run.losses.length >= opts.maxSteps ? `stopped after --max-steps ${opts.maxSteps}` : 'stopped'} at epoch ${r.epoch}, batch ${r.batch} ` +
          `(step ${trainer.steps}); ${run.losses.length} steps in ${formatSeconds(run.totalSeconds)}` +
          `${Number.isFinite(run.meanStepSeconds) ? `, ${run.meanStepSeconds.toFixed(3)} s per step` : ''}` +
          `${r.stepAbandoned ? '; the step running at the signal was abandoned' : ''}`,
      );
      if (r.checkpointWritten) {
        say(`  checkpoint of step ${trainer.steps}: ${checkpoint}`);
        if (r.status !== 'completed') say(`  resume with: cyclegan-engine train --data ${resolve(opts.data)} --resume ${checkpoint} --out ${out}`);
      }
      say(`  samples: ${join(out, 'samples')}/ (${run.files.samples.length} files)`);
      say(`  loss chart: ${run.files.chart} (data: ${run.files.csv})`);
      say(`  weights: ${run.files.weights.join(', ')}`);
      const wasm = engine.memory().backends.wasm;
      // A WebAssembly memory never shrinks: its size now is the run's peak.
      if (wasm) say(`  peak WebAssembly memory: ${mib(wasm.reservedBytes)} MiB (live at most ${mib(wasm.peakLiveBytes)} MiB)`);
      if (run.exitCode !== null) process.exitCode = run.exitCode;
    } finally {
      trainer.dispose();
    }
  } finally {
    engine.dispose();
  }
}
