// Throttling of fit()'s progress for the trip to the main thread: a message per training step
// would flood a page's event loop on small models, so at most one per interval goes out; the
// first step and the last step of the run always do, so a UI sees the start and the end.
import type { FitProgress } from '../cyclegan/fit.js';

export type Clock = () => number;

const defaultClock: Clock = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export function throttleProgress(
  send: (progress: FitProgress) => unknown,
  intervalMs: number,
  clock: Clock = defaultClock,
): (progress: FitProgress) => Promise<void> {
  let last = -Infinity;
  return async (progress) => {
    const t = clock();
    if (t - last < intervalMs && progress.batchesLeft > 0) return;
    last = t;
    await send(progress);
  };
}
