// The training loop shared by `demo` and `train`: CycleGANTrainer.fit with a progress bar,
// sample grids written as PNG, every loss recorded for the chart, Ctrl-C stopping at a step
// boundary (a second Ctrl-C quits at once), and the final weights, chart and checkpoint.
import { join } from 'node:path';
import type { CycleGANTrainer, FitResult, TrainingDataset } from '../cyclegan/trainer.js';
import { labelSampleGrid } from '../cyclegan/grid_labels.js';
import { encodePng } from '../data/codec.js';
import { LossRecorder, formatLosses, moduleSafetensors, pad } from './common.js';
import { writeFileAtomic } from './files.js';
import { lossChartSvg, lossCsv } from './loss_chart.js';
import type { Progress } from './progress.js';

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
  title: string;
}

export interface TrainOutcome {
  result: FitResult;
  losses: LossRecorder;
  /** Mean seconds per step over the steps of this run (the first, warm-up step excluded when possible). */
  meanStepSeconds: number;
  totalSeconds: number;
  interrupted: boolean;
  /** Stopped by maxSeconds before maxSteps. */
  timeLimited: boolean;
  files: { samples: string[]; chart: string; csv: string; weights: string[] };
}

export async function runTraining(run: TrainRun): Promise<TrainOutcome> {
  const { trainer, dataset, out, progress } = run;
  const o = trainer.options;
  const batches = Math.ceil(dataset.length / o.batchSize);
  const toEnd = (o.nEpochs - trainer.epoch) * batches - trainer.batch;
  const total = run.maxSteps !== undefined ? Math.min(run.maxSteps, toEnd) : toEnd;
  const losses = new LossRecorder();
  const samples: string[] = [];
  const stepTimes: number[] = [];
  const controller = new AbortController();
  let interrupted = false;
  let timeLimited = false;
  const onSigint = (): void => {
    if (interrupted) {
      progress.stop();
      process.stderr.write('cyclegan-engine: interrupted again, quitting without a checkpoint\n');
      process.exit(130);
    }
    interrupted = true;
    controller.abort();
    progress.log(`interrupt: stopping at the next step boundary${run.checkpoint ? ' and writing a checkpoint' : ''} (Ctrl-C again to quit now)`);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const t0 = performance.now();
  let done = 0;
  let smoothed = 0;
  progress.start(total, run.title);
  let result: FitResult;
  try {
    result = await trainer.fit(dataset, {
      signal: controller.signal,
      checkpoint: run.checkpoint,
      sampleDataset: run.sampleDataset,
      onProgress: (p) => {
        done += 1;
        losses.push(p.losses);
        stepTimes.push(p.stepSeconds);
        smoothed = smoothed === 0 ? p.stepSeconds : 0.9 * smoothed + 0.1 * p.stepSeconds;
        progress.update(done, {
          epoch: `${p.epoch + 1}/${p.nEpochs}`,
          losses: formatLosses(p.losses),
          stepSeconds: smoothed,
          etaSeconds: (total - done) * smoothed,
        });
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
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    progress.stop();
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  const timed = stepTimes.length > 1 ? stepTimes.slice(1) : stepTimes;
  const meanStepSeconds = timed.length ? timed.reduce((a, b) => a + b, 0) / timed.length : NaN;

  const chart = join(out, 'losses.svg');
  const csv = join(out, 'losses.csv');
  await writeFileAtomic(chart, lossChartSvg(losses.series(), { title: `${run.title}: losses over ${losses.length} steps` }));
  await writeFileAtomic(csv, lossCsv(losses.series()));
  const weights = [join(out, 'G_AB.safetensors'), join(out, 'G_BA.safetensors')];
  await writeFileAtomic(weights[0], await moduleSafetensors(trainer.G_AB, { direction: 'AtoB' }));
  await writeFileAtomic(weights[1], await moduleSafetensors(trainer.G_BA, { direction: 'BtoA' }));
  return { result, losses, meanStepSeconds, totalSeconds, interrupted, timeLimited, files: { samples, chart, csv, weights } };
}
