// Errors of the worker API. Two kinds: the worker itself went away (exited, crashed, was
// terminated or closed), which rejects every call that was waiting on it; and errors thrown by
// the library inside the worker, which arrive as the same typed classes (see error_transfer.ts).
import { CycleGANError } from '../errors.js';

/** A worker-level failure: it could not start, or a message could not be sent to it. */
export class WorkerError extends CycleGANError {}

/** How the worker went away. */
export type WorkerEndReason = 'exited' | 'crashed' | 'terminated' | 'closed';

/**
 * The worker is gone, so this call can never finish. `call` names the method that was pending
 * (or was attempted after the worker had gone), `reason` says how the worker ended, `pending`
 * whether the call was already waiting when it did. Open a new worker with openWorker() to go
 * on; the old worker's trainers and models are lost.
 */
export class WorkerTerminatedError extends WorkerError {
  constructor(
    readonly call: string,
    readonly reason: WorkerEndReason,
    readonly detail: string,
    readonly exitCode: number | null = null,
    readonly pending = true,
  ) {
    const how = {
      exited: `exited${exitCode === null ? '' : ` with code ${exitCode}`}`,
      crashed: 'crashed',
      terminated: 'was terminated',
      closed: 'was closed',
    }[reason];
    const when = pending ? ' while the call was pending' : ' before the call';
    super(`${call}: the worker ${how}${when}${detail ? ` (${detail})` : ''}; open a new one with openWorker()`);
  }
}
