// CycleGANTrainer.fit's loop: epoch ordering, batch collation, progress with an ETA, abort and
// checkpoint writing, and sample grids. Functions taking the trainer and its run position; the
// trainer's public methods (step, endEpoch, saveCheckpoint, sampleImages) do the work.
import { AbortError, AttributeError, CycleGANError, ShapeError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import type { UnpairedDataset } from '../data/dataset.js';
import type { RgbaImage } from './sample_grid.js';
import type { StepLosses } from './losses.js';
import type { ResolvedCycleGANOptions } from './options.js';
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { yieldToEventLoop } from '../event_loop.js';

/** The dataset interface fit() reads: src/data's UnpairedDataset. */
export type TrainingDataset = UnpairedDataset;

export interface FitProgress {
  /** The epoch being trained (absolute, like the reference's). */
  epoch: number;
  nEpochs: number;
  /** The batch just done, 0-based within the epoch. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** Batches done over the whole run, this one included. */
  batchesDone: number;
  /** Batches left until nEpochs. */
  batchesLeft: number;
  losses: StepLosses;
  /** The generators' learning rate for this epoch. */
  lr: number;
  /** Seconds this step took. */
  stepSeconds: number;
  /** Estimated seconds to the end (batches left times the smoothed step time). */
  etaSeconds: number;
}

export interface SampleInfo {
  epoch: number;
  batch: number;
  /** The reference's batches_done (epoch * batches + batch) that triggered the sample. */
  batchesDone: number;
}

export interface FitOptions {
  /** Called after every step; a promise it returns is awaited. */
  onProgress?: (progress: FitProgress) => unknown;
  /**
   * Checked between steps and inside each step, after the generators' pass (the event loop
   * runs at both points, so a signal handler or a timer can fire). When aborted, the running
   * step is abandoned if it has not updated anything yet, fit writes a checkpoint of the last
   * completed step (if configured) and resolves with status 'aborted'.
   */
  signal?: AbortSignal;
  /**
   * Where checkpoints go: a file path (Node; written atomically) or a function receiving the
   * bytes. Written every `checkpointInterval` epochs, when aborted and at the end.
   */
  checkpoint?: string | ((bytes: Uint8Array) => unknown);
  /** Receives a sample grid every `sampleInterval` batches (the reference's sample_images). */
  onSample?: (grid: RgbaImage, info: SampleInfo) => unknown;
  /** Where sample images come from (the reference uses the test split); default the training set. */
  sampleDataset?: TrainingDataset;
  /** Images per sample row (default 5, the reference's). */
  sampleCount?: number;
  /**
   * Runs once when fit ends without an error (completed or aborted), with the trainer in its
   * final state, while the final checkpoint is being written: files of the run's own written
   * here overlap that write (a Ctrl-C's stop is mostly writing). A promise it returns is awaited
   * before fit resolves; if it or the checkpoint fails, fit rejects once both have settled.
   */
  onEnd?: () => unknown;
}

export interface FitResult {
  /** 'completed' when nEpochs were reached, 'aborted' when the signal stopped it. */
  status: 'completed' | 'aborted';
  /** Where training stands: the epoch, and batches done in it. */
  epoch: number;
  batch: number;
  /** Steps this call took. */
  steps: number;
  /** Whether a checkpoint was written when fit returned. */
  checkpointWritten: boolean;
  lastLosses: StepLosses | null;
  /** Whether the abort came during a step, which was abandoned (not counted, nothing of it kept). */
  stepAbandoned: boolean;
}

/**
 * All that fit uses of the trainer that holds it (CycleGANTrainer builds one per fit). The run
 * position is read through functions and moved only by beginEpoch, batchDone and endEpoch: the
 * trainer keeps it. step and endEpoch are the fit's own (the trainer's public ones refuse while
 * a fit holds it).
 */
export interface FitHost {
  readonly engine: Engine;
  readonly options: Readonly<ResolvedCycleGANOptions>;
  /** Shuffles the samples each epoch and drives the dataset's random choices. */
  readonly dataRng: Rng;
  /** Picks the images of sample grids. */
  readonly sampleRng: Rng;
  /** The generators' current learning rate. */
  lr(): number;
  /** The epoch being trained (absolute). */
  epoch(): number;
  /** Batches done in the current epoch. */
  batch(): number;
  /** The current epoch's sample order, or null before its first batch. */
  epochOrder(): readonly number[] | null;
  /** Sets the current epoch's sample order (before its first batch). */
  beginEpoch(order: number[]): void;
  /** One training step on [N, C, H, W] batches; counts the step, not the batch. */
  step(realA: Tensor, realB: Tensor, signal: AbortSignal | undefined): Promise<StepLosses>;
  /** Counts a batch of the current epoch as done. */
  batchDone(): void;
  /** Steps the schedulers and moves to the next epoch's first batch. */
  endEpoch(): void;
  sampleImages(realA: Tensor, realB: Tensor): Promise<RgbaImage>;
  checkpointBytes(): Promise<Uint8Array>;
  saveCheckpoint(path: string): Promise<void>;
}

/**
 * The body of CycleGANTrainer.fit (which checks the trainer is usable first): trains on
 * `dataset` from the host's epoch and batch to nEpochs.
 */
export async function fitTrainer(trainer: FitHost, dataset: TrainingDataset, options: FitOptions): Promise<FitResult> {
  checkDataset(trainer, 'fit', 'dataset', dataset);
  if (options.sampleDataset) checkDataset(trainer, 'fit', 'sampleDataset', options.sampleDataset);
  const { onProgress, signal, checkpoint, onSample, sampleCount = 5 } = options;
  if (!Number.isInteger(sampleCount) || sampleCount < 1) {
    throw new AttributeError('CycleGANTrainer.fit', 'sampleCount', 'an integer >= 1', String(sampleCount));
  }
  const o = trainer.options;
  const n = dataset.length;
  const batches = Math.ceil(n / o.batchSize);
  const resumedOrder = trainer.epochOrder();
  if (resumedOrder && resumedOrder.length !== n) {
    throw new CycleGANError(
      `CycleGANTrainer.fit: the checkpoint was taken mid-epoch on a dataset of ${resumedOrder.length} samples; this one has ${n}`,
    );
  }
  const save = async (): Promise<boolean> => {
    if (!checkpoint) return false;
    if (typeof checkpoint === 'string') await trainer.saveCheckpoint(checkpoint);
    else await checkpoint(await trainer.checkpointBytes());
    return true;
  };
  let steps = 0;
  let lastLosses: StepLosses | null = null;
  let smoothed = 0;
  // The last checkpoint and the caller's onEnd at once; neither is left running past the other's failure.
  const finish = async (): Promise<boolean> => {
    const [saved, ended] = await Promise.allSettled([save(), (async () => options.onEnd?.())()]);
    if (saved.status === 'rejected') throw saved.reason;
    if (ended.status === 'rejected') throw ended.reason;
    return saved.value;
  };
  const stop = async (stepAbandoned = false): Promise<FitResult> => ({
    status: 'aborted',
    epoch: trainer.epoch(),
    batch: trainer.batch(),
    steps,
    checkpointWritten: await finish(),
    lastLosses,
    stepAbandoned,
  });

  while (trainer.epoch() < o.nEpochs) {
    if (!trainer.epochOrder()) trainer.beginEpoch(permutation(n, trainer.dataRng));
    const order = trainer.epochOrder()!;
    while (trainer.batch() < batches) {
      // Ops are synchronous and awaits resolve as microtasks: without a macrotask turn here, a
      // signal handler, a timer or a worker's cancel message would only run after fit returns.
      await yieldToEventLoop();
      // The engine's abort flag (Engine.setAbortFlag) stops fit as the signal does.
      if (signal?.aborted || trainer.engine.abortRequested) return stop();
      const t0 = now();
      const start = trainer.batch() * o.batchSize;
      const indices = order.slice(start, Math.min(n, start + o.batchSize));
      // The batch's random crops and flips draw from dataRng: an abandoned step gives them back,
      // so that a resumed run draws the same ones.
      const dataRngBefore = trainer.dataRng.getState();
      let losses: StepLosses;
      try {
        losses = await stepOnSamples(trainer, dataset, indices, trainer.dataRng, signal);
      } catch (e) {
        if (!(e instanceof AbortError)) throw e;
        trainer.dataRng.setState(dataRngBefore);
        return stop(true);
      }
      lastLosses = losses;
      steps += 1;
      const epoch = trainer.epoch();
      const batch = trainer.batch();
      const batchesDone = epoch * batches + batch; // the reference's batches_done
      trainer.batchDone();
      const stepSeconds = (now() - t0) / 1000;
      smoothed = smoothed === 0 ? stepSeconds : 0.9 * smoothed + 0.1 * stepSeconds;
      const batchesLeft = o.nEpochs * batches - (batchesDone + 1);
      const abortedBeforeProgress = signal?.aborted ?? false;
      if (onProgress) {
        await onProgress({
          epoch,
          nEpochs: o.nEpochs,
          batch,
          batches,
          batchesDone: batchesDone + 1,
          batchesLeft,
          losses,
          lr: trainer.lr(),
          stepSeconds,
          etaSeconds: batchesLeft * smoothed,
        });
      }
      if (onSample && batchesDone % o.sampleInterval === 0) {
        const from = options.sampleDataset ?? dataset;
        // An abort from onProgress itself is a planned stop after this step (a step budget), which
        // keeps its grid; one from outside (a signal handler, a cancel) skips it.
        const plannedStop = !abortedBeforeProgress && (signal?.aborted ?? false);
        if (signal) await yieldToEventLoop();
        if (signal?.aborted && !plannedStop) {
          // Stopping: the grid is skipped (its networks' pass can take seconds), but its images
          // are still drawn so that the sample stream of a resumed run stays the same.
          await drawSample(trainer, from, sampleCount);
        } else {
          let grid: RgbaImage;
          try {
            // A grid's networks' pass can take seconds (256x256): the engine's abort flag may
            // abandon it. Its images were drawn first, so the sample stream stays as when skipped.
            grid = await trainer.engine._abortableAsync('CycleGANTrainer.fit', () => sampleFrom(trainer, from, sampleCount));
          } catch (e) {
            if (!(e instanceof AbortError)) throw e;
            return stop();
          }
          await onSample(grid, { epoch, batch, batchesDone });
        }
      }
    }
    const finished = trainer.epoch();
    trainer.endEpoch();
    if (o.checkpointInterval !== -1 && finished % o.checkpointInterval === 0 && trainer.epoch() < o.nEpochs) {
      if (signal?.aborted) return stop();
      await save();
    }
  }
  return { status: 'completed', epoch: trainer.epoch(), batch: trainer.batch(), steps, checkpointWritten: await finish(), lastLosses, stepAbandoned: false };
}

/** Collates dataset samples into two [N, C, H, W] batches and steps on them. */
async function stepOnSamples(
  trainer: FitHost,
  dataset: TrainingDataset,
  indices: number[],
  rng: Rng,
  signal: AbortSignal | undefined,
): Promise<StepLosses> {
  const { a, b } = await collate(trainer, dataset, indices, rng);
  const [c, h, w] = [trainer.options.channels, trainer.options.imgHeight, trainer.options.imgWidth];
  const realA = trainer.engine.tensor(a, [indices.length, c, h, w]);
  const realB = trainer.engine.tensor(b, [indices.length, c, h, w]);
  try {
    return await trainer.step(realA, realB, signal);
  } finally {
    realA.dispose();
    realB.dispose();
  }
}

async function collate(trainer: FitHost, dataset: TrainingDataset, indices: number[], rng: Rng): Promise<{ a: Float32Array; b: Float32Array }> {
  const o = trainer.options;
  const size = o.channels * o.imgHeight * o.imgWidth;
  const a = new Float32Array(indices.length * size);
  const b = new Float32Array(indices.length * size);
  for (let k = 0; k < indices.length; k++) {
    const pair = await dataset.get(indices[k], rng);
    for (const [name, v, dst] of [['A', pair?.A, a], ['B', pair?.B, b]] as const) {
      if (!(v instanceof Float32Array) || v.length !== size) {
        throw new ShapeError(
          'CycleGANTrainer.fit',
          `dataset.get(${indices[k]}).${name}`,
          `a Float32Array of ${size} values (CHW ${o.channels}x${o.imgHeight}x${o.imgWidth})`,
          v instanceof Float32Array ? `${v.length} values` : typeof v,
        );
      }
      dst.set(v, k * size);
    }
  }
  return { a, b };
}

/** The images of a sample grid: `count` random samples of `dataset`, drawn with the sample Rng. */
async function drawSample(trainer: FitHost, dataset: TrainingDataset, count: number): Promise<{ a: Float32Array; b: Float32Array; k: number }> {
  const k = Math.min(count, dataset.length);
  const indices = permutation(dataset.length, trainer.sampleRng).slice(0, k);
  return { ...(await collate(trainer, dataset, indices, trainer.sampleRng)), k };
}

/** A sample grid of `count` random samples of `dataset`, drawn with the sample Rng. */
async function sampleFrom(trainer: FitHost, dataset: TrainingDataset, count: number): Promise<RgbaImage> {
  const { a, b, k } = await drawSample(trainer, dataset, count);
  const shape = [k, trainer.options.channels, trainer.options.imgHeight, trainer.options.imgWidth];
  const realA = trainer.engine.tensor(a, shape);
  const realB = trainer.engine.tensor(b, shape);
  try {
    return await trainer.sampleImages(realA, realB);
  } finally {
    realA.dispose();
    realB.dispose();
  }
}

function checkDataset(trainer: FitHost, what: string, arg: string, d: TrainingDataset): void {
  const where = `CycleGANTrainer.${what}`;
  if (!d || typeof d.get !== 'function') throw new AttributeError(where, arg, 'a dataset with length, channels, height, width and get()', String(d));
  if (!Number.isInteger(d.length) || d.length < 1) throw new AttributeError(where, `${arg}.length`, 'an integer >= 1', String(d.length));
  const o = trainer.options;
  if (d.channels !== o.channels || d.height !== o.imgHeight || d.width !== o.imgWidth) {
    throw new AttributeError(
      where,
      arg,
      `images of ${o.channels}x${o.imgHeight}x${o.imgWidth} (channels x imgHeight x imgWidth of the trainer's options)`,
      `${d.channels}x${d.height}x${d.width}`,
    );
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates with the given Rng). */
export function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
