#!/usr/bin/env node
// Entry point of the `cyclegan-engine` command (built by tsup into dist/cli.js).
import { main } from './main.js';
import { trainingThreadData } from './training_thread.js';
import { runTrainingThread } from './training_worker.js';

// `train` and `demo` start this bundle again as their training thread (src/cli/training_thread.ts).
if (trainingThreadData()) void runTrainingThread();
else main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`cyclegan-engine: error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
