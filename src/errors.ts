// Typed errors. Every error names what was wrong: the op, the argument, what was expected
// and what was found, so a user can fix the call without reading our source.

/** Base class of every error this library throws on purpose. */
export class CycleGANError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * @deprecated Renamed `CycleGANError` (one spelling of CycleGAN in public names); this alias
 * is the same class and goes in the next release.
 */
export const CycleGanError = CycleGANError;
/** @deprecated Renamed `CycleGANError`. */
export type CycleGanError = CycleGANError;

/** A tensor's shape does not fit what an op needs. */
export class ShapeError extends CycleGANError {
  constructor(
    readonly op: string,
    readonly arg: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${op}: ${arg} must have shape ${expected}, got ${actual}`);
  }
}

/** A tensor or array has a dtype the op does not take (only float32 is supported). */
export class DTypeError extends CycleGANError {
  constructor(
    readonly op: string,
    readonly arg: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${op}: ${arg} must be ${expected}, got ${actual}`);
  }
}

/** An attribute (stride, padding, eps, ...) or option has an invalid value. */
export class AttributeError extends CycleGANError {
  constructor(
    readonly op: string,
    readonly arg: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${op}: ${arg} must be ${expected}, got ${actual}`);
  }
}

/** A tensor was used after dispose(). */
export class DisposedTensorError extends CycleGANError {
  constructor(
    readonly op: string,
    readonly arg: string,
  ) {
    super(`${op}: ${arg} was disposed and cannot be used`);
  }
}

/** No kernel for this op exists on the chosen backend. Never silently replaced by another backend. */
export class KernelMissingError extends CycleGANError {
  constructor(
    readonly kernel: string,
    readonly backend: string,
  ) {
    super(`kernel '${kernel}' is not implemented on the ${backend} backend`);
  }
}

/** The requested backend cannot be created on this platform. */
export class BackendUnavailableError extends CycleGANError {
  constructor(
    readonly backend: string,
    readonly reason: string,
  ) {
    super(`backend '${backend}' is unavailable: ${reason}`);
  }
}

/** A misuse of autograd, e.g. backward() twice through the same graph. */
export class AutogradError extends CycleGANError {}

/** A state_dict does not fit the module (missing, unexpected or mis-shaped keys). */
export class StateDictError extends CycleGANError {
  constructor(
    message: string,
    readonly missing: string[] = [],
    readonly unexpected: string[] = [],
    readonly mismatched: string[] = [],
  ) {
    super(message);
  }
}

/**
 * A call on a CycleGANTrainer that would interleave with work already running on it: a second
 * fit(), or step()/endEpoch()/loadCheckpoint() during a fit(), or any call during a step. The
 * running work is unaffected.
 */
export class TrainerBusyError extends CycleGanError {
  constructor(
    readonly method: string,
    readonly running: 'fit' | 'step',
  ) {
    super(
      running === 'fit'
        ? `CycleGANTrainer.${method}: fit() is running on this trainer; abort it (its signal) or await it first`
        : `CycleGANTrainer.${method}: a step is running; await it first`,
    );
  }
}

/**
 * A training step was abandoned because its AbortSignal fired before the step changed any
 * state: the weights, optimizers, replay buffers and counters are those of the last completed
 * step. (Named like the DOM's AbortError, so `e.name === 'AbortError'` checks work.)
 */
export class AbortError extends CycleGanError {
  constructor(readonly op: string) {
    super(`${op}: aborted by its signal; the step was abandoned and the trainer is as it was before it`);
  }
}
