// The yield a training step makes to see its AbortSignal (src/worker/progress.ts, used by
// src/cyclegan/fit.ts and trainer.ts) must let Node's poll phase run, where signals (SIGINT,
// SIGTERM) and a worker port's messages are read. A step that starts inside the poll phase (from
// an I/O callback: `train`'s first step follows the dataset's file reads) once got only the
// check phase of the same loop turn, and a Ctrl-C during it was seen after the step had ended.
// Stand-in for the signal: a file's stat that completes while the "step" runs synchronously.
import { readFile, stat } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { yieldToEventLoop } from '../../src/event_loop.js';

function busy(ms: number): void {
  const t = performance.now();
  while (performance.now() - t < ms);
}

describe('yieldToEventLoop', () => {
  it('runs the poll phase even when the synchronous work started inside it', async () => {
    const seen = await new Promise<boolean>((resolve, reject) => {
      readFile(new URL(import.meta.url).pathname, (err) => {
        if (err) return reject(err);
        let arrived = false;
        stat(new URL(import.meta.url).pathname, () => (arrived = true));
        // The stat (one request) completes on libuv's thread pool while this callback computes.
        busy(300);
        yieldToEventLoop().then(() => resolve(arrived), reject);
      });
    });
    expect(seen).toBe(true);
  });
});
