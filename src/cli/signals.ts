// Ctrl-C (SIGINT) and SIGTERM during a long command: the first one aborts an AbortSignal, so the
// work stops cleanly at its next check (fit abandons the running step and writes a checkpoint);
// a second one quits at once. The handler runs only when the event loop turns (fit yields to it
// between steps and inside a step, src/cyclegan/fit.ts), so after the first signal our listeners
// are removed: the next signal then gets the default action, which ends the process even in the
// middle of a synchronous step.

/** The exit code a shell reports for a process ended by `signal` (128 + its number). */
export const SIGNAL_EXIT: Record<InterruptSignal, number> = { SIGINT: 130, SIGTERM: 143 };

export type InterruptSignal = 'SIGINT' | 'SIGTERM';

export interface Interrupts {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** The signal received, or null. */
  readonly received: InterruptSignal | null;
  /** The exit code for the signal received (130 or 143), or null. */
  readonly exitCode: number | null;
  /** Stops listening (idempotent). */
  dispose(): void;
}

/**
 * Listens for SIGINT and SIGTERM until dispose(). `onFirst` runs on the first one (to tell the
 * user what happens next); `onSecond` runs if a second one arrives while another listener of
 * the process keeps the default action away, just before exiting with the signal's code.
 */
export function watchInterrupts(onFirst: (signal: InterruptSignal) => void, onSecond: () => void = () => {}): Interrupts {
  const controller = new AbortController();
  let received: InterruptSignal | null = null;
  let listening = true;
  const names: InterruptSignal[] = ['SIGINT', 'SIGTERM'];
  const quitNow = (signal: NodeJS.Signals): void => {
    onSecond();
    process.stderr.write(`cyclegan-engine: ${signal} again, quitting now without saving\n`);
    process.exit(SIGNAL_EXIT[signal as InterruptSignal] ?? 1);
  };
  const first = (signal: NodeJS.Signals): void => {
    if (received) return;
    received = signal as InterruptSignal;
    stop();
    // With no listener left, the next signal ends the process at once (the default action),
    // even inside a step that does not yield. Another part of the process may still listen
    // (then the default action is off): exit from our own listener instead.
    for (const name of names) if (process.listenerCount(name) > 0) process.once(name, quitNow);
    controller.abort();
    onFirst(received);
  };
  const stop = (): void => {
    if (!listening) return;
    listening = false;
    for (const name of names) process.off(name, first);
  };
  for (const name of names) process.on(name, first);
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    get exitCode() {
      return received ? SIGNAL_EXIT[received] : null;
    },
    dispose() {
      stop();
      for (const name of names) process.off(name, quitNow);
    },
  };
}
