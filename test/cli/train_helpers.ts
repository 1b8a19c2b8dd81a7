// Shared by the test/cli/train_*.test.ts suites: the built CLI (dist/cli.js, or $CYCLEGAN_CLI)
// run as a child process, with a way to send it a signal when a line appears, and a small
// seeded PNG dataset in the original CycleGAN layout (trainA, trainB).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { Rng } from '../../src/random/rng.js';

export const CLI = resolve(process.env.CYCLEGAN_CLI ?? 'dist/cli.js');
/** A bare vitest run without a build skips; under CI=true a missing CLI is a failure. */
export const haveCli = existsSync(CLI) || process.env.CI === 'true';
/** The CLI's path for a suite's title, saying why the suite skips when it does. */
export const CLI_LABEL = existsSync(CLI) ? CLI : `${CLI} not built: skipped outside CI, run npm run build`;

export interface Run {
  code: number | null;
  /** The signal that ended the process, when it did not exit by itself. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Seconds from the signal sent (if any) to the process's exit. */
  afterSignal: number | null;
}

export interface SignalPlan {
  /** Send `signal` when stdout or stderr first matches this. */
  when: RegExp;
  signal: NodeJS.Signals;
  /** Wait this long after the match before sending (default 0). */
  delayMs?: number;
  /** Then send `again` when the output matches `againWhen`. */
  again?: { when: RegExp; signal: NodeJS.Signals };
}

export function cli(args: string[], plan?: SignalPlan): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sentAt: number | null = null;
    let sentAgain = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null; at: number } | null = null;
    const check = (): void => {
      const all = stdout + stderr;
      if (plan && sentAt === null && plan.when.test(all)) {
        sentAt = Infinity; // armed: the time is taken when the signal goes
        setTimeout(() => {
          sentAt = performance.now();
          child.kill(plan.signal);
        }, plan.delayMs ?? 0);
      }
      if (plan?.again && sentAt !== null && sentAt !== Infinity && !sentAgain && plan.again.when.test(all)) {
        sentAgain = true;
        child.kill(plan.again.signal);
      }
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      check();
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      check();
    });
    child.on('error', rej);
    // 'exit' is when the process ended; 'close' comes once its output is all read.
    child.on('exit', (code, signal) => (exited = { code, signal, at: performance.now() }));
    child.on('close', () => {
      const e = exited!;
      res({ code: e.code, signal: e.signal, stdout, stderr, afterSignal: sentAt === null || sentAt === Infinity ? null : (e.at - sentAt) / 1000 });
    });
  });
}

/** `n` seeded 32x32 RGB images in each of trainA and trainB under `dir`. */
export function makeDataset(dir: string, n: number, seed: number, size = 32): string {
  const rng = new Rng(seed);
  for (const d of ['trainA', 'trainB']) {
    mkdirSync(join(dir, d), { recursive: true });
    for (let i = 0; i < n; i++) {
      const png = new PNG({ width: size, height: size });
      for (let k = 0; k < png.data.length; k++) png.data[k] = k % 4 === 3 ? 255 : rng.nextInt(256);
      writeFileSync(join(dir, d, `${i}.png`), PNG.sync.write(png));
    }
  }
  return dir;
}

/** The rows of a losses.csv (header dropped). */
export function csvRows(text: string): string[] {
  return text.trim().split('\n').slice(1);
}
