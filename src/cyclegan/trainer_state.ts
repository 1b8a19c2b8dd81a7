// CycleGANTrainer's training state: capturing it as plain values (for checkpoints) and
// restoring it, validated in full before anything is written. Functions taking the trainer's
// parts they read and write (TrainerParts) and its run position as a value: the trainer's
// public methods check it is usable, delegate here and keep the position themselves.
import type { Adam } from '../optim/adam.js';
import type { LambdaLRScheduler } from '../optim/lambda_lr.js';
import type { Module } from '../nn/module.js';
import type { Rng } from '../random/rng.js';
import { engineOf } from '../engine.js';
import type { TensorValues } from '../io/safetensors.js';
import type { Tensor } from '../tensor.js';
import { TRAJECTORY_OPTIONS, type ResolvedCycleGANOptions } from './options.js';
import { RngReplayRandom, type ReplayBuffer, type ReplayRandom } from './replay_buffer.js';
import {
  architectureDifferences,
  BUFFER_NAMES,
  CheckpointError,
  describeArchitecture,
  NETWORK_NAMES,
  OPTIMIZER_NAMES,
  type NetworkName,
  type OptimizerName,
  type TrainingState,
} from './checkpoint.js';

/**
 * What the training state is made of: the trainer's networks (by their checkpoint names),
 * optimizers, schedulers, replay buffers and random sources, as CycleGANTrainer exposes them.
 */
export type TrainerParts = Readonly<
  Record<NetworkName, Module> &
    Record<'optimizerG' | 'optimizerDA' | 'optimizerDB', Adam> &
    Record<'schedulerG' | 'schedulerDA' | 'schedulerDB', LambdaLRScheduler> &
    Record<'fakeABuffer' | 'fakeBBuffer', ReplayBuffer> &
    Record<'dataRng' | 'sampleRng', Rng> & { options: Readonly<ResolvedCycleGANOptions>; replayRandom: ReplayRandom }
>;

/** Where a run stands: the trainer's counters (it keeps them; fit() moves them through its FitHost). */
export interface RunPosition {
  /** The epoch being trained (absolute). */
  epoch: number;
  /** Batches done in the current epoch. */
  batch: number;
  /** Steps taken over the whole run (resumed runs included). */
  steps: number;
  /** The current epoch's sample order, or null before its first batch. */
  epochOrder: number[] | null;
}

export function networkOf(trainer: TrainerParts, name: NetworkName): Module {
  return trainer[name];
}

function optimizerOf(trainer: TrainerParts, name: OptimizerName): Adam {
  return name === 'optimizer_G' ? trainer.optimizerG : name === 'optimizer_D_A' ? trainer.optimizerDA : trainer.optimizerDB;
}

function schedulerOf(trainer: TrainerParts, name: OptimizerName): LambdaLRScheduler {
  return name === 'optimizer_G' ? trainer.schedulerG : name === 'optimizer_D_A' ? trainer.schedulerDA : trainer.schedulerDB;
}

function optimizerParamNames(trainer: TrainerParts, name: OptimizerName): string[] {
  const nets: NetworkName[] = name === 'optimizer_G' ? ['G_AB', 'G_BA'] : name === 'optimizer_D_A' ? ['D_A'] : ['D_B'];
  return nets.flatMap((n) => networkOf(trainer, n).namedParameters().map(([k]) => `${n}.${k}`));
}

/** The whole training state as plain values (weights and moments copied from the backend). */
export function captureState(trainer: TrainerParts, run: Readonly<RunPosition>): Promise<TrainingState> {
  return captureStateWith(trainer, run, (t) => t.data());
}

/**
 * The training state with each tensor's values left where they are: on WASM a function that
 * returns a fresh view of the heap when the file is written (the heap may grow meanwhile), so a
 * 256x256 checkpoint's 325 MiB are not copied into new memory first (about a third of a
 * Ctrl-C's stop); elsewhere (WebGPU) a copy read back. Valid while the trainer does not change:
 * CycleGANTrainer.saveCheckpoint holds it until the file is written.
 */
export function captureLiveState(trainer: TrainerParts, run: Readonly<RunPosition>): Promise<TrainingState<TensorValues>> {
  return captureStateWith<TensorValues>(trainer, run, (t) => {
    const engine = engineOf(t);
    if (!engine._viewSync(t, 'saveCheckpoint')) return t.data();
    return () => engine._viewSync(t, 'saveCheckpoint')!;
  });
}

async function captureStateWith<V>(trainer: TrainerParts, run: Readonly<RunPosition>, read: (t: Tensor) => V | Promise<V>): Promise<TrainingState<V>> {
  const networks = {} as TrainingState<V>['networks'];
  for (const name of NETWORK_NAMES) {
    const out: TrainingState<V>['networks'][NetworkName] = {};
    for (const [k, t] of Object.entries(networkOf(trainer, name).stateDict())) out[k] = { data: await read(t), shape: [...t.shape] };
    networks[name] = out;
  }
  const optimizers = {} as TrainingState<V>['optimizers'];
  const schedulers = {} as TrainingState<V>['schedulers'];
  for (const name of OPTIMIZER_NAMES) {
    optimizers[name] = { params: optimizerParamNames(trainer, name), state: await optimizerOf(trainer, name).stateDictWith(read) };
    schedulers[name] = schedulerOf(trainer, name).stateDict();
  }
  const replayRandom = trainer.replayRandom;
  const replay = replayRandom instanceof RngReplayRandom ? replayRandom.getState() : null;
  return {
    options: { ...trainer.options },
    networks,
    optimizers,
    schedulers,
    epoch: run.epoch,
    batch: run.batch,
    epochOrder: run.epochOrder ? [...run.epochOrder] : null,
    steps: run.steps,
    rng: { data: trainer.dataRng.getState(), replay, sample: trainer.sampleRng.getState() },
    buffers: { fake_A_buffer: await trainer.fakeABuffer.snapshotWith(read), fake_B_buffer: await trainer.fakeBBuffer.snapshotWith(read) },
  };
}

/**
 * Validates everything first, then writes the parts: a failure leaves the trainer as it was.
 * Returns the run position the checkpoint holds, for the trainer to take.
 */
export function applyState(trainer: TrainerParts, state: TrainingState, label: string): RunPosition {
  const options = trainer.options;
  const arch = architectureDifferences(state.options, options);
  if (arch.length) {
    throw new CheckpointError(
      `${label} was saved by a trainer of another architecture (${describeArchitecture(state.options)}; this trainer: ` +
        `${describeArchitecture(options)}): ${arch.join('; ')}. Build the trainer with the checkpoint's options, ` +
        'or use CycleGANTrainer.resume(engine, checkpoint)',
    );
  }
  const traj = TRAJECTORY_OPTIONS.filter((k) => state.options[k] !== options[k]).map(
    (k) => `${k}: checkpoint ${state.options[k]}, trainer ${options[k]}`,
  );
  if (traj.length) {
    throw new CheckpointError(
      `${label} was saved with other training options (${traj.join('; ')}); resuming must use the same ones. ` +
        'Use CycleGANTrainer.resume(engine, checkpoint) to take the checkpoint\'s options',
    );
  }
  const apply: (() => void)[] = [];
  for (const name of NETWORK_NAMES) {
    const net = networkOf(trainer, name);
    const own = net.stateDict();
    const given = state.networks[name];
    const missing = Object.keys(own).filter((k) => !(k in given));
    const extra = Object.keys(given).filter((k) => !(k in own));
    const wrong = Object.keys(own).filter((k) => k in given && given[k].shape.join() !== own[k].shape.join());
    if (missing.length || extra.length || wrong.length) {
      throw new CheckpointError(
        `${label}: network ${name} does not fit (${[
          missing.length ? `missing ${missing.slice(0, 3).join(', ')}` : '',
          extra.length ? `unexpected ${extra.slice(0, 3).join(', ')}` : '',
          wrong.length ? `shape mismatch for ${wrong.slice(0, 3).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ')})`,
      );
    }
    apply.push(() => net.loadStateDict(given, { strict: true }));
  }
  for (const name of OPTIMIZER_NAMES) {
    const saved = state.optimizers[name];
    const expected = optimizerParamNames(trainer, name);
    if (saved.params.join('\n') !== expected.join('\n')) {
      throw new CheckpointError(`${label}: ${name}'s parameter list does not match this trainer's`);
    }
    try {
      apply.push(optimizerOf(trainer, name).prepareLoad(saved.state, `${label}: ${name}`));
      apply.push(schedulerOf(trainer, name).prepareLoad(state.schedulers[name], `${label}: ${name} scheduler`));
    } catch (e) {
      throw new CheckpointError((e as Error).message);
    }
  }
  const shape = [1, options.channels, options.imgHeight, options.imgWidth];
  const size = shape[1] * shape[2] * shape[3];
  for (const name of BUFFER_NAMES) {
    const imgs = state.buffers[name];
    if (imgs.length > options.bufferSize || imgs.some((v) => v.length !== size)) {
      throw new CheckpointError(`${label}: replay buffer ${name} does not fit (${imgs.length} images)`);
    }
  }
  const { rng } = state;
  for (const [k, s] of [['data', rng.data], ['sample', rng.sample], ['replay', rng.replay]] as const) {
    if (s === null && k === 'replay') continue;
    if (!Array.isArray(s) || s.length !== 4 || s.some((v) => !Number.isInteger(v) || v < 0 || v > 0xffffffff)) {
      throw new CheckpointError(`${label}: invalid ${k} random state`);
    }
  }
  if (state.epoch < options.epoch || state.epoch > options.nEpochs) {
    throw new CheckpointError(`${label}: epoch ${state.epoch} is outside [${options.epoch}, ${options.nEpochs}]`);
  }
  if (state.batch > 0 && state.epochOrder === null) {
    throw new CheckpointError(`${label}: mid-epoch checkpoint without the epoch's sample order`);
  }
  // Everything fits: write.
  for (const f of apply) f();
  trainer.fakeABuffer.restore(state.buffers.fake_A_buffer, shape);
  trainer.fakeBBuffer.restore(state.buffers.fake_B_buffer, shape);
  trainer.dataRng.setState(rng.data);
  trainer.sampleRng.setState(rng.sample);
  const replayRandom = trainer.replayRandom;
  if (rng.replay && replayRandom instanceof RngReplayRandom) replayRandom.setState(rng.replay);
  return { epoch: state.epoch, batch: state.batch, steps: state.steps, epochOrder: state.epochOrder ? [...state.epochOrder] : null };
}
