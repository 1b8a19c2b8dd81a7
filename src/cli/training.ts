// The training loop shared by `demo` and `train`: CycleGANTrainer.fit with a progress bar, the
// first step's measured time and the run's ETA (with a hint when the run would take hours),
// sample grids written as PNG, every loss recorded for the chart and the CSV (a resumed run
// appends to the earlier rows), Ctrl-C or SIGTERM stopping within a step (src/cli/signals.ts),
// and the final weights, chart and checkpoint.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CycleGANTrainer, FitResult, StepLosses, TrainingDataset } from '../cyclegan/trainer.js';
import { labelSampleGrid } from '../cyclegan/grid_labels.js';
import { encodePng } from '../data/codec.js';
import { LossRecorder, formatLosses, pad } from './common.js';
import { writeFileAtomic, writeSafetensorsAtomic } from './files.js';
import { layoutWeightsAsync } from '../cyclegan/weights/save.js';
import { lossChartSvg, lossCsv } from './loss_chart.js';
import { formatSeconds, type Progress } from './progress.js';
import type { InterruptSignal } from './signals.js';
import { trainingInterrupts } from './training_thread.js';

export interface TrainRun {
  trainer: CycleGANTrainer;
  dataset: TrainingDataset;
  sampleDataset?: TrainingDataset;
  out: string;
  progress: Progress;
  /** Stop after this many steps of this run (the demo's bound); default: to nEpochs. */
  maxSteps?: number;
  /** Stop at the first step boundary after this many seconds of training (the demo's time bound). */
  maxSeconds?: number;
  /** Where fit writes checkpoints (train); none for the demo. */
  checkpoint?: string;
  /** Keep the rows of out/losses.csv up to the trainer's step count and append (a resumed run). */
  appendLosses?: boolean;
  /** What to tell the user when the run's ETA exceeds SLOW_RUN_SECONDS (the flags that make it practical). */
  slowRunHint?: () => string;
  title: string;
}

export interface TrainOutcome {
  result: FitResult;
  /** This run's losses (not the earlier rows of an appended CSV). */
  losses: LossRecorder;
  /** Mean seconds per step over the steps of this run (the first, warm-up step excluded when possible). */
  meanStepSeconds: number;
  totalSeconds: number;
  /** Stopped by SIGINT or SIGTERM. */
  interrupted: boolean;
  /** Which signal stopped it, and the exit code that goes with it (130, 143). */
  signal: InterruptSignal | null;
  exitCode: number | null;
  /** Stopped by maxSeconds before maxSteps. */
  timeLimited: boolean;
  files: { samples: string[]; chart: string; csv: string; weights: string[] };
}

/** A run whose ETA after its first step exceeds this gets a hint naming faster settings. */
export const SLOW_RUN_SECONDS = 3 * 3600;

export async function runTraining(run: TrainRun): Promise<TrainOutcome> {
  const { trainer, dataset, out, progress } = run;
  const o = trainer.options;
  const batches = Math.ceil(dataset.length / o.batchSize);
  const toEnd = (o.nEpochs - trainer.epoch) * batches - trainer.batch;
  const total = run.maxSteps !== undefined ? Math.min(run.maxSteps, toEnd) : toEnd;
  const stepsBefore = trainer.steps;
  const csv = join(out, 'losses.csv');
  const earlier = run.appendLosses ? await readLossCsv(csv, stepsBefore, (line) => progress.log(line)) : [];
  const losses = new LossRecorder();
  const samples: string[] = [];
  const stepTimes: number[] = [];
  const controller = new AbortController();
  let timeLimited = false;
  // In the training thread (src/cli/training_thread.ts) the main thread takes the signals, prints
  // the notice and raises the engine's abort flag, which abandons a running step within a kernel.
  const interrupts = trainingInterrupts(
    () => controller.abort(),
    (signal) => progress.log(interruptNotice(signal, !!run.checkpoint)),
    () => progress.stop(),
  );
  if (interrupts.flag) trainer.engine.setAbortFlag(interrupts.flag);
  const chart = join(out, 'losses.svg');
  const weights = [join(out, 'G_AB.safetensors'), join(out, 'G_BA.safetensors')];
  // The run's files, written while fit writes its last checkpoint (FitOptions.onEnd): a stop by
  // a signal waits for all of them, and their writes and flushes overlap.
  const writeRunFiles = async (): Promise<void> => {
    const all = new LossRecorder();
    for (const row of earlier) all.push(row.losses);
    for (let i = 0; i < losses.length; i++) all.push(lossesAt(losses, i));
    const stepNumbers = [...earlier.map((r) => r.step), ...Array.from({ length: losses.length }, (_, i) => stepsBefore + i + 1)];
    // The generators' files streamed from their read-out values (no whole-file buffer).
    const [ab, ba] = [await layoutWeightsAsync(trainer.G_AB, { metadata: { direction: 'AtoB' } }), await layoutWeightsAsync(trainer.G_BA, { metadata: { direction: 'BtoA' } })];
    // Every write finishes (or fails) before this returns: none is left running past an error.
    const written = await Promise.allSettled([
      writeFileAtomic(chart, lossChartSvg(all.series(), { title: `${run.title}: losses over ${all.length} steps` })),
      writeFileAtomic(csv, lossCsv(all.series(), stepNumbers)),
      writeSafetensorsAtomic(weights[0], ab),
      writeSafetensorsAtomic(weights[1], ba),
    ]);
    for (const w of written) if (w.status === 'rejected') throw w.reason;
  };
  const t0 = performance.now();
  let done = 0;
  let smoothed = 0;
  progress.start(total, run.title);
  let result: FitResult;
  try {
    try {
      result = await trainer.fit(dataset, {
        signal: controller.signal,
        checkpoint: run.checkpoint,
        sampleDataset: run.sampleDataset,
        onEnd: writeRunFiles,
        onProgress: (p) => {
          done += 1;
          losses.push(p.losses);
          stepTimes.push(p.stepSeconds);
          smoothed = smoothed === 0 ? p.stepSeconds : 0.9 * smoothed + 0.1 * p.stepSeconds;
          const eta = (total - done) * smoothed;
          progress.update(done, { epoch: `${p.epoch + 1}/${p.nEpochs}`, losses: formatLosses(p.losses), stepSeconds: smoothed, etaSeconds: eta });
          if (done === 1) {
            progress.log(`${run.title}: first step took ${p.stepSeconds.toFixed(2)} s; ${total} steps in this run, ETA ${formatSeconds(eta)}`);
            if (eta > SLOW_RUN_SECONDS && run.slowRunHint) progress.log(run.slowRunHint());
          }
          if (done >= total && !controller.signal.aborted) controller.abort();
          if (run.maxSeconds !== undefined && done < total && (performance.now() - t0) / 1000 >= run.maxSeconds && !controller.signal.aborted) {
            timeLimited = true;
            controller.abort();
            progress.log(`time limit of ${run.maxSeconds} s reached after ${done} steps: stopping training`);
          }
        },
        onSample: async (grid, info) => {
          const file = join(out, 'samples', `step_${pad(info.batchesDone)}.png`);
          // Rows named and the step written on top, so a grid reads without a caption.
          const labelled = labelSampleGrid(grid, info.batchesDone);
          await writeFileAtomic(file, await encodePng(labelled.data, labelled.width, labelled.height));
          samples.push(file);
        },
      });
    } finally {
      progress.stop();
    }
    const totalSeconds = (performance.now() - t0) / 1000;
    const timed = stepTimes.length > 1 ? stepTimes.slice(1) : stepTimes;
    const meanStepSeconds = timed.length ? timed.reduce((a, b) => a + b, 0) / timed.length : NaN;

    return {
      result,
      losses,
      meanStepSeconds,
      totalSeconds,
      interrupted: interrupts.received !== null,
      signal: interrupts.received,
      exitCode: interrupts.exitCode,
      timeLimited,
      files: { samples, chart, csv, weights },
    };
  } finally {
    if (interrupts.flag) trainer.engine.setAbortFlag(null);
    interrupts.dispose();
  }
}

/** The line printed at the first SIGINT or SIGTERM of a training run. */
export function interruptNotice(signal: InterruptSignal, checkpoint: boolean): string {
  return (
    `${signal}: stopping now (a step in progress is abandoned)` +
    `${checkpoint ? '; writing a checkpoint of the last completed step' : ''}. ${signal === 'SIGINT' ? 'Ctrl-C' : 'The signal'} again quits at once without saving`
  );
}

function lossesAt(r: LossRecorder, i: number): StepLosses {
  return { lossD: r.lossD[i], lossG: r.lossG[i], lossGAN: r.lossGAN[i], lossCycle: r.lossCycle[i], lossIdentity: r.lossIdentity[i] };
}

const CSV_HEADER = lossCsv(new LossRecorder().series()).trim();

/**
 * The rows of an earlier run's losses.csv up to step `upTo` (the resumed checkpoint's step
 * count: rows after it belong to steps the checkpoint does not hold). A missing file gives no
 * rows; a file that is not ours is left out with a message, never half-read.
 */
async function readLossCsv(path: string, upTo: number, say: (line: string) => void): Promise<{ step: number; losses: StepLosses }[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return [];
  }
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const rows: { step: number; losses: StepLosses }[] = [];
  const bad = (why: string): [] => {
    say(`losses: ${path} is not a losses.csv of this command (${why}); it is replaced by this run's losses`);
    return [];
  };
  if (lines[0]?.trim() !== CSV_HEADER) return bad('unexpected header');
  for (const line of lines.slice(1)) {
    const fields = line.split(',');
    // A diverged run writes NaN or Infinity, which read back as themselves.
    const v = fields.map(Number);
    if (fields.length !== 6 || fields.some((f, i) => f.trim() === '' || (Number.isNaN(v[i]) && f !== 'NaN')) || !Number.isInteger(v[0])) {
      return bad(`unreadable row "${line.slice(0, 40)}"`);
    }
    if (v[0] > upTo) break;
    rows.push({ step: v[0], losses: { lossD: v[1], lossG: v[2], lossGAN: v[3], lossCycle: v[4], lossIdentity: v[5] } });
  }
  return rows;
}
