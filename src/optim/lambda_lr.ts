// Learning-rate schedule of PyTorch-GAN's CycleGAN: its utils.LambdaLR (the decay rule) driven
// by torch.optim.lr_scheduler.LambdaLR (the scheduler), stepped once per epoch.
import { AttributeError, CycleGANError } from '../errors.js';

/** Anything with a settable learning rate and the rate it started from (Adam). */
export interface HasLearningRate {
  lr: number;
  readonly initialLr: number;
}

/**
 * PyTorch-GAN's `LambdaLR(n_epochs, offset, decay_start_epoch)`: the factor is 1 until epoch
 * `decayStartEpoch`, then falls linearly to 0 at `nEpochs`. `offset` is the epoch training
 * (re)started from, because torch's scheduler counts epochs from 0 at its creation.
 */
export class LambdaLR {
  constructor(
    readonly nEpochs: number,
    readonly offset: number,
    readonly decayStartEpoch: number,
  ) {
    const where = 'LambdaLR';
    for (const [arg, v] of [
      ['nEpochs', nEpochs],
      ['offset', offset],
      ['decayStartEpoch', decayStartEpoch],
    ] as const) {
      if (!Number.isInteger(v) || v < 0) throw new AttributeError(where, arg, 'an integer >= 0', String(v));
    }
    // The reference's assertion, with its message.
    if (!(nEpochs - decayStartEpoch > 0)) {
      throw new AttributeError(
        where,
        'decayStartEpoch',
        `less than nEpochs (${nEpochs}): decay must start before the training session ends`,
        String(decayStartEpoch),
      );
    }
  }

  /** The factor for the scheduler's epoch count `epoch` (0 at the scheduler's creation). */
  step(epoch: number): number {
    return 1.0 - Math.max(0, epoch + this.offset - this.decayStartEpoch) / (this.nEpochs - this.decayStartEpoch);
  }
}

/** A plain snapshot of a scheduler, for checkpoints. */
export interface LambdaLRSchedulerState {
  lastEpoch: number;
  baseLr: number;
}

/**
 * torch.optim.lr_scheduler.LambdaLR for one optimizer (one param group): lr = base_lr *
 * lambda(last_epoch). Creating it sets last_epoch to 0 and applies lambda(0) at once, as
 * PyTorch's constructor does; step() advances one epoch.
 */
export class LambdaLRScheduler {
  lastEpoch = 0;
  readonly baseLr: number;

  constructor(
    readonly optimizer: HasLearningRate,
    readonly lrLambda: (epoch: number) => number,
  ) {
    if (typeof lrLambda !== 'function') throw new AttributeError('LambdaLRScheduler', 'lrLambda', 'a function', typeof lrLambda);
    this.baseLr = optimizer.initialLr;
    this.optimizer.lr = this.computeLr();
  }

  /** Advances one epoch and sets the optimizer's learning rate. */
  step(): void {
    this.lastEpoch += 1;
    this.optimizer.lr = this.computeLr();
  }

  /** The learning rate set by the last step (PyTorch's get_last_lr()[0]). */
  getLastLr(): number {
    return this.optimizer.lr;
  }

  stateDict(): LambdaLRSchedulerState {
    return { lastEpoch: this.lastEpoch, baseLr: this.baseLr };
  }

  /** Validates a snapshot and returns the function that applies it. */
  prepareLoad(state: LambdaLRSchedulerState, where = 'LambdaLRScheduler.loadStateDict'): () => void {
    if (!state || !Number.isInteger(state.lastEpoch) || state.lastEpoch < 0) {
      throw new CycleGANError(`${where}: invalid scheduler state ${JSON.stringify(state)}`);
    }
    if (state.baseLr !== this.baseLr) {
      throw new CycleGANError(`${where}: the checkpoint's base learning rate is ${state.baseLr}, this optimizer's ${this.baseLr}`);
    }
    return () => {
      this.lastEpoch = state.lastEpoch;
      this.optimizer.lr = this.computeLr();
    };
  }

  loadStateDict(state: LambdaLRSchedulerState): void {
    this.prepareLoad(state)();
  }

  private computeLr(): number {
    return this.baseLr * this.lrLambda(this.lastEpoch);
  }
}
