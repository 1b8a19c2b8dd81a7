// The training thread of `train` and `demo`: dist/cli.js started again as a worker by
// src/cli/training_thread.ts (src/cli/bin.ts comes here when it finds the thread's data). Runs
// the command with the options the main thread parsed, its output and progress sent to the
// main thread, which takes the signals. Ends with the command's exit code in a 'done' message;
// an error is reported here as on the main thread. (One bundle for both threads: a second entry
// would move the CLI's code into a chunk that the library's files share.)
import { parentPort } from 'node:worker_threads';
import { reportError } from './errors.js';
import { forwardOutput, trainingThreadData, type FromWorker, type TrainingThreadData } from './training_thread.js';
import { runTrain, type TrainOptions } from './commands/train.js';
import { runDemo, type DemoOptions } from './commands/demo.js';

export async function runTrainingThread(): Promise<void> {
  const data = trainingThreadData();
  if (!data || !parentPort) throw new Error('runTrainingThread: not in the training thread of the cyclegan-engine command');
  forwardOutput();
  const code = await runJob(data);
  parentPort.postMessage({ type: 'done', code } satisfies FromWorker);
}

async function runJob({ job, globals, verbose }: TrainingThreadData): Promise<number> {
  try {
    if (job.command === 'train') {
      const given = new Set(job.given);
      await runTrain(job.opts as unknown as TrainOptions, globals, (key) => given.has(key));
    } else {
      await runDemo(job.opts as unknown as DemoOptions, globals);
    }
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportError(e, verbose);
  }
}
