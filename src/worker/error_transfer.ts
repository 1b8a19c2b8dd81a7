// Errors thrown inside the worker arrive on the main thread as the same classes, with their
// fields (op, arg, expected, ...), so `catch (e) { if (e instanceof ShapeError) ... }` works
// the same with and without a worker. comlink's own handler keeps only name, message and stack
// and rebuilds a plain Error; this one wraps it. Both sides install it before the first call
// (our bundled copy of comlink, so a user's own comlink is untouched).
import { transferHandlers, type TransferHandler } from 'comlink';
import * as coreErrors from '../errors.js';
import * as dataErrors from '../data/errors.js';
import * as ioErrors from '../io/errors.js';
import { CheckpointError } from '../cyclegan/checkpoint.js';
import { DeviceLostError } from '../backends/webgpu/errors.js';
import { WorkerError, WorkerTerminatedError } from './errors.js';

type ErrorClass = { prototype: Error; name: string };

const KNOWN: Map<string, ErrorClass> = new Map();
for (const group of [coreErrors, dataErrors, ioErrors, { CheckpointError, DeviceLostError, WorkerError, WorkerTerminatedError }]) {
  for (const value of Object.values(group)) {
    if (typeof value === 'function' && value.prototype instanceof Error) KNOWN.set(value.name, value as unknown as ErrorClass);
  }
}

interface SerializedError {
  message: string;
  name: string;
  stack?: string;
  /** The error's own data fields that survive structured cloning. */
  fields?: Record<string, unknown>;
}

interface Serialized {
  isError: boolean;
  value: unknown;
}

const INSTALLED = Symbol.for('cyclegan-engine.errorTransfer');

/** Own enumerable fields other than message/name/stack that can be cloned. */
function cloneableFields(error: Error): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'message' || key === 'name' || key === 'stack' || typeof value === 'function') continue;
    try {
      fields[key] = structuredClone(value);
    } catch {
      // Not cloneable (a tensor, a port): the message still says what went wrong.
    }
  }
  return fields;
}

/** The error as the worker threw it: its class when this library defines it, else Error. */
export function rebuildError(e: SerializedError): Error {
  const cls = KNOWN.get(e.name);
  const error: Error = cls ? Object.create(cls.prototype) : new Error(e.message);
  Object.defineProperty(error, 'message', { value: e.message, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(error, 'name', { value: e.name, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(error, 'stack', {
    value: `${e.stack ?? `${e.name}: ${e.message}`}\n    (thrown in the cyclegan-engine worker)`,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  // Own data properties, never assignments: a `__proto__` field cannot replace the prototype.
  for (const [k, v] of Object.entries(e.fields ?? {})) Object.defineProperty(error, k, { value: v, writable: true, configurable: true, enumerable: true });
  return error;
}

/** Replaces comlink's 'throw' handler with one that keeps classes and fields (idempotent). */
export function installErrorTransfer(): void {
  const base = transferHandlers.get('throw') as (TransferHandler<unknown, Serialized> & { [INSTALLED]?: true }) | undefined;
  if (!base || base[INSTALLED]) return;
  const handler: TransferHandler<unknown, Serialized> & { [INSTALLED]: true } = {
    [INSTALLED]: true,
    canHandle: (value): value is unknown => base.canHandle(value),
    serialize(wrapped) {
      const [serialized, transfer] = base.serialize(wrapped);
      const thrown = (wrapped as { value: unknown }).value;
      if (serialized.isError && thrown instanceof Error) {
        (serialized.value as SerializedError).fields = cloneableFields(thrown);
      }
      return [serialized, transfer];
    },
    deserialize(serialized) {
      if (serialized.isError) throw rebuildError(serialized.value as SerializedError);
      return base.deserialize(serialized);
    },
  };
  transferHandlers.set('throw', handler);
}
