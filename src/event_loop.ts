// One turn of the event loop from inside a long async computation (fit's steps, a worker's
// requests), so that a signal, a cancel message or a timer queued meanwhile runs first.
/**
 * Lets the worker's event loop run (a macrotask turn), so that messages that arrived during a
 * step (a cancel, another call) are handled before the next step starts. A WASM step never
 * yields by itself: its awaits resolve as microtasks.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (callback: () => void) => unknown };
  // Node: signals and a port's messages are read in the poll phase, and setImmediate runs in the
  // check phase right after it. A step that started inside the poll phase (from an I/O callback:
  // the dataset's first files, a sample grid's write) would get its check phase without another
  // poll in between, so a SIGINT sent during the step went unseen until the step ended: two
  // turns always pass through a poll phase.
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(() => g.setImmediate!(resolve)));
  // Browsers: a message to ourselves queues behind the messages already received, without the
  // 4 ms clamp that nested setTimeout calls get (one per training step here).
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel();
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(null);
  });
}
