// The client's line to one worker: every call goes through call(), which remembers it until it
// settles. When the worker ends (exit, crash, terminate, close) every remembered call is
// rejected with a WorkerTerminatedError naming it, and later calls reject at once; comlink on
// its own would leave them waiting forever.
import { wrap, type Remote } from 'comlink';
import { WorkerTerminatedError, type WorkerEndReason } from './errors.js';
import type { WorkerEndpointApi } from './protocol.js';
import type { SpawnedWorker, WorkerEnd } from './spawn.js';

interface PendingCall {
  name: string;
  reject(error: Error): void;
}

export class Connection {
  readonly api: Remote<WorkerEndpointApi>;
  private readonly pending = new Map<number, PendingCall>();
  private nextCall = 1;
  private end: WorkerEnd | null = null;
  private readonly endListeners: ((end: WorkerEnd) => void)[] = [];

  constructor(private readonly worker: SpawnedWorker) {
    this.api = wrap<WorkerEndpointApi>(worker.endpoint);
    worker.onEnd((end) => this.fail(end));
  }

  get isOpen(): boolean {
    return this.end === null;
  }

  get pendingCalls(): number {
    return this.pending.size;
  }

  /** How the worker ended, once it has. */
  get ended(): WorkerEnd | null {
    return this.end;
  }

  onEnd(listener: (end: WorkerEnd) => void): void {
    if (this.end) listener(this.end);
    else this.endListeners.push(listener);
  }

  /** Runs `invoke` against the worker; its promise also rejects if the worker ends first. */
  call<T>(name: string, invoke: (api: Remote<WorkerEndpointApi>) => Promise<T>): Promise<T> {
    if (this.end) return Promise.reject(this.errorFor(name, this.end, false));
    return new Promise<T>((resolve, reject) => {
      const id = this.nextCall++;
      this.pending.set(id, { name, reject });
      this.worker.setBusy(true);
      const settle = (): void => {
        this.pending.delete(id);
        if (this.pending.size === 0 && !this.end) this.worker.setBusy(false);
      };
      let promise: Promise<T>;
      try {
        promise = invoke(this.api);
      } catch (e) {
        settle();
        reject(e);
        return;
      }
      promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error) => {
          settle();
          reject(error);
        },
      );
    });
  }

  /** Stops the worker and rejects what is pending with `reason` ('closed' or 'terminated'). */
  async terminate(reason: WorkerEndReason, detail = ''): Promise<void> {
    if (this.end) return;
    this.fail({ reason, detail, exitCode: null });
    await this.worker.terminate();
  }

  private fail(end: WorkerEnd): void {
    if (this.end) return;
    this.end = end;
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.reject(this.errorFor(call.name, end, true));
    for (const l of this.endListeners.splice(0)) l(end);
    // Whatever killed it, make sure the thread is gone (a crashed web worker may linger).
    if (end.reason === 'crashed') void this.worker.terminate().catch(() => {});
  }

  private errorFor(name: string, end: WorkerEnd, pending: boolean): WorkerTerminatedError {
    return new WorkerTerminatedError(name, end.reason, end.detail, end.exitCode, pending);
  }
}
