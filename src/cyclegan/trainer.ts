// CycleGANTrainer: PyTorch-GAN's implementations/cyclegan training loop as a library API.
// Two GeneratorResNet (G_AB, G_BA), two PatchGAN discriminators (D_A, D_B) initialised with
// weights_init_normal, one Adam over both generators and one per discriminator, LambdaLR
// stepped once per epoch, replay buffers of fakes, and the reference's order of operations:
// generators first (the discriminators' gradients from that pass are never applied), then
// D_A on real A and a replayed fake A (detached), then D_B likewise.
import type { Engine } from '../engine.js';
import { AttributeError, CycleGanError, ShapeError } from '../errors.js';
import { concat } from '../ops/data.js';
import { Rng } from '../random/rng.js';
import type { UnpairedDataset } from '../data/dataset.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Adam } from '../optim/adam.js';
import { LambdaLR, LambdaLRScheduler } from '../optim/lambda_lr.js';
import type { Module } from '../nn/module.js';
import { Discriminator } from './discriminator.js';
import { GeneratorResNet } from './generator.js';
import { initWeightsNormal } from './init_weights.js';
import { average, discriminatorLoss, generatorLosses } from './losses.js';
import { resolveOptions, TRAJECTORY_OPTIONS, type CycleGANOptions, type ResolvedCycleGANOptions } from './options.js';
import { ReplayBuffer, RngReplayRandom, type ReplayRandom } from './replay_buffer.js';
import { sampleGrid, type RgbaImage } from './sample_grid.js';
import {
  architectureDifferences,
  BUFFER_NAMES,
  CheckpointError,
  decodeCheckpoint,
  describeArchitecture,
  encodeCheckpoint,
  NETWORK_NAMES,
  OPTIMIZER_NAMES,
  readFileBytes,
  writeFileAtomic,
  type NetworkName,
  type OptimizerName,
  type TrainingState,
} from './checkpoint.js';

/** One step's losses, the quantities of the reference's log line. */
export interface StepLosses {
  lossD: number;
  lossG: number;
  lossGAN: number;
  lossCycle: number;
  lossIdentity: number;
}

export type Direction = 'AtoB' | 'BtoA';

/** The dataset interface fit() reads: src/data's UnpairedDataset. */
export type TrainingDataset = UnpairedDataset;

export interface FitProgress {
  /** The epoch being trained (absolute, like the reference's). */
  epoch: number;
  nEpochs: number;
  /** The batch just done, 0-based within the epoch. */
  batch: number;
  /** Batches per epoch. */
  batches: number;
  /** Batches done over the whole run, this one included. */
  batchesDone: number;
  /** Batches left until nEpochs. */
  batchesLeft: number;
  losses: StepLosses;
  /** The generators' learning rate for this epoch. */
  lr: number;
  /** Seconds this step took. */
  stepSeconds: number;
  /** Estimated seconds to the end (batches left times the smoothed step time). */
  etaSeconds: number;
}

export interface SampleInfo {
  epoch: number;
  batch: number;
  /** The reference's batches_done (epoch * batches + batch) that triggered the sample. */
  batchesDone: number;
}

export interface FitOptions {
  /** Called after every step (awaited). */
  onProgress?: (progress: FitProgress) => void | Promise<void>;
  /** Checked between steps; when aborted, fit writes a checkpoint (if configured) and returns. */
  signal?: AbortSignal;
  /**
   * Where checkpoints go: a file path (Node; written atomically) or a function receiving the
   * bytes. Written every `checkpointInterval` epochs, when aborted and at the end.
   */
  checkpoint?: string | ((bytes: Uint8Array) => void | Promise<void>);
  /** Receives a sample grid every `sampleInterval` batches (the reference's sample_images). */
  onSample?: (grid: RgbaImage, info: SampleInfo) => void | Promise<void>;
  /** Where sample images come from (the reference uses the test split); default the training set. */
  sampleDataset?: TrainingDataset;
  /** Images per sample row (default 5, the reference's). */
  sampleCount?: number;
}

export interface FitResult {
  /** 'completed' when nEpochs were reached, 'aborted' when the signal stopped it. */
  status: 'completed' | 'aborted';
  /** Where training stands: the epoch, and batches done in it. */
  epoch: number;
  batch: number;
  /** Steps this call took. */
  steps: number;
  /** Whether a checkpoint was written when fit returned. */
  checkpointWritten: boolean;
  lastLosses: StepLosses | null;
}

/** A 32-bit seed for stream `k` of a user's seed. */
function mixSeed(seed: number, k: number): number {
  let z = (seed + Math.imul(k + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export class CycleGANTrainer {
  readonly options: Readonly<ResolvedCycleGANOptions>;
  readonly G_AB: GeneratorResNet;
  readonly G_BA: GeneratorResNet;
  readonly D_A: Discriminator;
  readonly D_B: Discriminator;
  readonly optimizerG: Adam;
  readonly optimizerDA: Adam;
  readonly optimizerDB: Adam;
  readonly schedulerG: LambdaLRScheduler;
  readonly schedulerDA: LambdaLRScheduler;
  readonly schedulerDB: LambdaLRScheduler;
  readonly fakeABuffer: ReplayBuffer;
  readonly fakeBBuffer: ReplayBuffer;
  /** Shuffles the samples each epoch and drives the dataset's random choices. */
  readonly dataRng: Rng;
  /** Picks the images of sample grids, apart from the training stream. */
  readonly sampleRng: Rng;
  private _replayRandom: ReplayRandom;
  private _epoch: number;
  private _batch = 0;
  private _steps = 0;
  private epochOrder: number[] | null = null;
  private disposed = false;
  private busy = false;

  constructor(
    readonly engine: Engine,
    options: CycleGANOptions = {},
  ) {
    if (!engine || typeof (engine as Engine).tidy !== 'function') {
      throw new AttributeError('CycleGANTrainer', 'engine', 'an Engine (from createEngine())', String(engine));
    }
    const o = resolveOptions(options);
    this.options = Object.freeze(o);
    const inputShape: [number, number, number] = [o.channels, o.imgHeight, o.imgWidth];
    this.G_AB = new GeneratorResNet(engine, inputShape, o.nResidualBlocks);
    this.G_BA = new GeneratorResNet(engine, inputShape, o.nResidualBlocks);
    this.D_A = new Discriminator(engine, inputShape);
    this.D_B = new Discriminator(engine, inputShape);
    NETWORK_NAMES.forEach((name, k) => initWeightsNormal(this.net(name), { seed: mixSeed(o.seed, k) }));

    const adam = { lr: o.lr, betas: [o.b1, o.b2] as [number, number], eps: 1e-8 };
    this.optimizerG = new Adam([...this.G_AB.parameters(), ...this.G_BA.parameters()], adam);
    this.optimizerDA = new Adam(this.D_A.parameters(), adam);
    this.optimizerDB = new Adam(this.D_B.parameters(), adam);
    const rule = (): ((e: number) => number) => {
      const l = new LambdaLR(o.nEpochs, o.epoch, o.decayEpoch);
      return (e) => l.step(e);
    };
    this.schedulerG = new LambdaLRScheduler(this.optimizerG, rule());
    this.schedulerDA = new LambdaLRScheduler(this.optimizerDA, rule());
    this.schedulerDB = new LambdaLRScheduler(this.optimizerDB, rule());

    this.dataRng = new Rng(mixSeed(o.seed, 10));
    this.sampleRng = new Rng(mixSeed(o.seed, 12));
    // One random source for both buffers, as the reference's shared `random` module.
    this._replayRandom = new RngReplayRandom(new Rng(mixSeed(o.seed, 11)));
    this.fakeABuffer = new ReplayBuffer(engine, o.bufferSize, this._replayRandom);
    this.fakeBBuffer = new ReplayBuffer(engine, o.bufferSize, this._replayRandom);
    this._epoch = o.epoch;
  }

  /** Builds a trainer from a checkpoint (its options, weights and training state) on `engine`. */
  static async resume(engine: Engine, source: string | Uint8Array, overrides: Pick<CycleGANOptions, 'sampleInterval' | 'checkpointInterval'> = {}): Promise<CycleGANTrainer> {
    const bytes = typeof source === 'string' ? await readFileBytes(source) : source;
    const state = decodeCheckpoint(bytes, typeof source === 'string' ? source : 'checkpoint');
    const trainer = new CycleGANTrainer(engine, { ...state.options, ...overrides });
    try {
      trainer.applyState(state, typeof source === 'string' ? source : 'checkpoint');
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    return trainer;
  }

  // ------------------------------------------------------------------------- state

  /** The epoch being trained (absolute). */
  get epoch(): number {
    return this._epoch;
  }

  /** Batches done in the current epoch. */
  get batch(): number {
    return this._batch;
  }

  /** Steps taken over the whole run (resumed runs included). */
  get steps(): number {
    return this._steps;
  }

  /** The generators' current learning rate. */
  get lr(): number {
    return this.optimizerG.lr;
  }

  /** The source of the replay buffers' decisions (shared by both). */
  get replayRandom(): ReplayRandom {
    return this._replayRandom;
  }

  /** Replaces the replay buffers' random source (e.g. a scripted one to reproduce a PyTorch run). */
  set replayRandom(random: ReplayRandom) {
    if (!random || typeof random.uniform !== 'function' || typeof random.randint !== 'function') {
      throw new AttributeError('CycleGANTrainer', 'replayRandom', 'an object with uniform() and randint(low, high)', String(random));
    }
    this._replayRandom = random;
    this.fakeABuffer.random = random;
    this.fakeBBuffer.random = random;
  }

  private net(name: NetworkName): Module {
    return this[name];
  }

  private optimizer(name: OptimizerName): Adam {
    return name === 'optimizer_G' ? this.optimizerG : name === 'optimizer_D_A' ? this.optimizerDA : this.optimizerDB;
  }

  private scheduler(name: OptimizerName): LambdaLRScheduler {
    return name === 'optimizer_G' ? this.schedulerG : name === 'optimizer_D_A' ? this.schedulerDA : this.schedulerDB;
  }

  private optimizerParamNames(name: OptimizerName): string[] {
    const nets: NetworkName[] = name === 'optimizer_G' ? ['G_AB', 'G_BA'] : name === 'optimizer_D_A' ? ['D_A'] : ['D_B'];
    return nets.flatMap((n) => this.net(n).namedParameters().map(([k]) => `${n}.${k}`));
  }

  // ------------------------------------------------------------------------- training

  /**
   * One training step on a batch: realA and realB are [N, C, H, W] in [-1, 1] (C, H, W as the
   * options say). Returns the losses as numbers. Does not advance the epoch counters; fit()
   * does, and endEpoch() steps the schedulers.
   */
  async step(realA: Tensor, realB: Tensor): Promise<StepLosses> {
    this.assertUsable('step');
    this.checkBatch('step', 'realA', realA);
    this.checkBatch('step', 'realB', realB);
    if (realA.shape[0] !== realB.shape[0]) {
      throw new ShapeError('CycleGANTrainer.step', 'realB', `${realA.shape[0]} images, like realA`, formatShape(realB.shape));
    }
    const e = this.engine;
    const o = this.options;
    const targetShape = [realA.shape[0], ...this.D_A.outputShape];
    const nets = { G_AB: this.G_AB, G_BA: this.G_BA, D_A: this.D_A, D_B: this.D_B };
    this.busy = true;
    let g: { fakeA: Tensor; fakeB: Tensor; losses: Tensor } | null = null;
    let lossDA: Tensor | null = null;
    let lossDB: Tensor | null = null;
    let all: Tensor | null = null;
    try {
      // ------------------ Train Generators
      this.G_AB.train();
      this.G_BA.train();
      this.optimizerG.zeroGrad();
      // The reference's loss_G.backward() also fills the discriminators' gradients, which the
      // discriminators' zero_grad() discards before their own step; not computing them is the same.
      this.D_A.setRequiresGrad(false);
      this.D_B.setRequiresGrad(false);
      try {
        g = e.tidy(() => {
          const valid = e.ones(targetShape);
          const l = generatorLosses(nets, realA, realB, valid, o.lambdaCyc, o.lambdaId);
          l.lossG.backward();
          const losses = concat([l.lossG, l.lossGAN, l.lossCycle, l.lossIdentity].map((t) => t.detach().reshape([1])));
          return { fakeA: l.fakeA.detach(), fakeB: l.fakeB.detach(), losses };
        });
      } finally {
        this.D_A.setRequiresGrad(true);
        this.D_B.setRequiresGrad(true);
      }
      this.optimizerG.step();
      // ------------------ Train Discriminator A, then B
      lossDA = this.discriminatorStep(this.D_A, this.optimizerDA, this.fakeABuffer, realA, g.fakeA, targetShape);
      lossDB = this.discriminatorStep(this.D_B, this.optimizerDB, this.fakeBBuffer, realB, g.fakeB, targetShape);
      const gl = g.losses;
      all = e.noGrad(() => e.tidy(() => concat([average(lossDA!, lossDB!).reshape([1]), gl])));
    } finally {
      g?.fakeA.dispose();
      g?.fakeB.dispose();
      g?.losses.dispose();
      lossDA?.dispose();
      lossDB?.dispose();
      this.busy = false;
    }
    try {
      const v = await all!.data();
      this._steps += 1;
      return { lossD: v[0], lossG: v[1], lossGAN: v[2], lossCycle: v[3], lossIdentity: v[4] };
    } finally {
      all!.dispose();
    }
  }

  private discriminatorStep(D: Discriminator, opt: Adam, buffer: ReplayBuffer, real: Tensor, fake: Tensor, targetShape: number[]): Tensor {
    const e = this.engine;
    opt.zeroGrad();
    const loss = e.tidy(() => {
      const valid = e.ones(targetShape);
      const fakeTarget = e.zeros(targetShape);
      // Fake loss on a batch of previously generated samples
      const replayed = buffer.pushAndPop(fake);
      const l = discriminatorLoss(D, real, replayed, valid, fakeTarget);
      l.backward();
      return l.detach();
    });
    opt.step();
    return loss;
  }

  /** Ends the epoch: steps the three LambdaLR schedulers and moves to the next epoch. */
  endEpoch(): void {
    this.assertUsable('endEpoch');
    this.schedulerG.step();
    this.schedulerDA.step();
    this.schedulerDB.step();
    this._epoch += 1;
    this._batch = 0;
    this.epochOrder = null;
  }

  /**
   * Trains on `dataset` from where the trainer stands (options.epoch, or a resumed checkpoint's
   * epoch and batch) to nEpochs: each epoch shuffles the samples with the trainer's Rng
   * (DataLoader shuffle=True, the last batch may be smaller), collates batches, steps, reports
   * progress, and checks `signal` between steps.
   */
  async fit(dataset: TrainingDataset, options: FitOptions = {}): Promise<FitResult> {
    this.assertUsable('fit');
    this.checkDataset('fit', 'dataset', dataset);
    if (options.sampleDataset) this.checkDataset('fit', 'sampleDataset', options.sampleDataset);
    const { onProgress, signal, checkpoint, onSample, sampleCount = 5 } = options;
    if (!Number.isInteger(sampleCount) || sampleCount < 1) {
      throw new AttributeError('CycleGANTrainer.fit', 'sampleCount', 'an integer >= 1', String(sampleCount));
    }
    const o = this.options;
    const n = dataset.length;
    const batches = Math.ceil(n / o.batchSize);
    if (this.epochOrder && this.epochOrder.length !== n) {
      throw new CycleGanError(
        `CycleGANTrainer.fit: the checkpoint was taken mid-epoch on a dataset of ${this.epochOrder.length} samples; this one has ${n}`,
      );
    }
    const save = async (): Promise<boolean> => {
      if (!checkpoint) return false;
      if (typeof checkpoint === 'string') await this.saveCheckpoint(checkpoint);
      else await checkpoint(await this.checkpointBytes());
      return true;
    };
    let steps = 0;
    let lastLosses: StepLosses | null = null;
    let smoothed = 0;
    const stop = async (): Promise<FitResult> => ({
      status: 'aborted',
      epoch: this._epoch,
      batch: this._batch,
      steps,
      checkpointWritten: await save(),
      lastLosses,
    });

    while (this._epoch < o.nEpochs) {
      if (!this.epochOrder) this.epochOrder = permutation(n, this.dataRng);
      while (this._batch < batches) {
        if (signal?.aborted) return stop();
        const t0 = now();
        const start = this._batch * o.batchSize;
        const indices = this.epochOrder.slice(start, Math.min(n, start + o.batchSize));
        const losses = await this.stepOnSamples(dataset, indices, this.dataRng);
        lastLosses = losses;
        steps += 1;
        const batch = this._batch;
        const batchesDone = this._epoch * batches + batch; // the reference's batches_done
        this._batch += 1;
        const stepSeconds = (now() - t0) / 1000;
        smoothed = smoothed === 0 ? stepSeconds : 0.9 * smoothed + 0.1 * stepSeconds;
        const batchesLeft = o.nEpochs * batches - (batchesDone + 1);
        if (onProgress) {
          await onProgress({
            epoch: this._epoch,
            nEpochs: o.nEpochs,
            batch,
            batches,
            batchesDone: batchesDone + 1,
            batchesLeft,
            losses,
            lr: this.optimizerG.lr,
            stepSeconds,
            etaSeconds: batchesLeft * smoothed,
          });
        }
        if (onSample && batchesDone % o.sampleInterval === 0) {
          const grid = await this.sampleFrom(options.sampleDataset ?? dataset, sampleCount);
          await onSample(grid, { epoch: this._epoch, batch, batchesDone });
        }
      }
      const finished = this._epoch;
      this.endEpoch();
      if (o.checkpointInterval !== -1 && finished % o.checkpointInterval === 0 && this._epoch < o.nEpochs) {
        if (signal?.aborted) return stop();
        await save();
      }
    }
    return { status: 'completed', epoch: this._epoch, batch: this._batch, steps, checkpointWritten: await save(), lastLosses };
  }

  /** Collates dataset samples into two [N, C, H, W] batches and steps on them. */
  private async stepOnSamples(dataset: TrainingDataset, indices: number[], rng: Rng): Promise<StepLosses> {
    const { a, b } = await this.collate(dataset, indices, rng);
    const [c, h, w] = [this.options.channels, this.options.imgHeight, this.options.imgWidth];
    const realA = this.engine.tensor(a, [indices.length, c, h, w]);
    const realB = this.engine.tensor(b, [indices.length, c, h, w]);
    try {
      return await this.step(realA, realB);
    } finally {
      realA.dispose();
      realB.dispose();
    }
  }

  private async collate(dataset: TrainingDataset, indices: number[], rng: Rng): Promise<{ a: Float32Array; b: Float32Array }> {
    const size = this.options.channels * this.options.imgHeight * this.options.imgWidth;
    const a = new Float32Array(indices.length * size);
    const b = new Float32Array(indices.length * size);
    for (let k = 0; k < indices.length; k++) {
      const pair = await dataset.get(indices[k], rng);
      for (const [name, v, dst] of [['A', pair?.A, a], ['B', pair?.B, b]] as const) {
        if (!(v instanceof Float32Array) || v.length !== size) {
          throw new ShapeError(
            'CycleGANTrainer.fit',
            `dataset.get(${indices[k]}).${name}`,
            `a Float32Array of ${size} values (CHW ${this.options.channels}x${this.options.imgHeight}x${this.options.imgWidth})`,
            v instanceof Float32Array ? `${v.length} values` : typeof v,
          );
        }
        dst.set(v, k * size);
      }
    }
    return { a, b };
  }

  // ------------------------------------------------------------------------- inference

  /**
   * Translates images [N, C, H, W] (or one [C, H, W]) in [-1, 1] with G_AB ('AtoB') or G_BA
   * ('BtoA') in eval mode, without gradients. Returns a new tensor of the input's shape, which
   * the caller disposes.
   */
  async translate(image: Tensor, direction: Direction): Promise<Tensor> {
    this.assertUsable('translate');
    if (direction !== 'AtoB' && direction !== 'BtoA') {
      throw new AttributeError('CycleGANTrainer.translate', 'direction', "'AtoB' or 'BtoA'", JSON.stringify(direction));
    }
    if (!(image instanceof Tensor)) throw new AttributeError('CycleGANTrainer.translate', 'image', 'a Tensor', typeof image);
    image.assertAlive('CycleGANTrainer.translate', 'image');
    const c = this.options.channels;
    const ok = (image.rank === 4 && image.shape[1] === c) || (image.rank === 3 && image.shape[0] === c);
    const hw = image.shape.slice(-2);
    if (!ok || hw[0] % 4 !== 0 || hw[1] % 4 !== 0 || hw[0] === 0 || hw[1] === 0) {
      throw new ShapeError(
        'CycleGANTrainer.translate',
        'image',
        `[N, ${c}, H, W] or [${c}, H, W] with H and W positive multiples of 4`,
        formatShape(image.shape),
      );
    }
    const G = direction === 'AtoB' ? this.G_AB : this.G_BA;
    G.eval();
    const e = this.engine;
    return e.noGrad(() =>
      e.tidy(() => {
        const x = image.rank === 3 ? image.reshape([1, ...image.shape]) : image;
        const y = G.forward(x);
        return image.rank === 3 ? y.reshape(image.shape) : y;
      }),
    );
  }

  /**
   * The reference's sample_images on two batches [N, C, H, W]: rows real A, fake B, real B,
   * fake A, each laid out by make_grid(nrow=5, normalize=True); RGBA pixels.
   */
  async sampleImages(realA: Tensor, realB: Tensor): Promise<RgbaImage> {
    this.assertUsable('sampleImages');
    this.checkBatch('sampleImages', 'realA', realA, false);
    this.checkBatch('sampleImages', 'realB', realB, false);
    if (realA.shape.join() !== realB.shape.join()) {
      throw new ShapeError('CycleGANTrainer.sampleImages', 'realB', formatShape(realA.shape), formatShape(realB.shape));
    }
    const fakeB = await this.translate(realA, 'AtoB');
    const fakeA = await this.translate(realB, 'BtoA');
    try {
      return sampleGrid({
        realA: await realA.data(),
        fakeB: await fakeB.data(),
        realB: await realB.data(),
        fakeA: await fakeA.data(),
        shape: realA.shape,
      });
    } finally {
      fakeB.dispose();
      fakeA.dispose();
    }
  }

  /** A sample grid of `count` random samples of `dataset`, drawn with the sample Rng. */
  private async sampleFrom(dataset: TrainingDataset, count: number): Promise<RgbaImage> {
    const k = Math.min(count, dataset.length);
    const indices = permutation(dataset.length, this.sampleRng).slice(0, k);
    const { a, b } = await this.collate(dataset, indices, this.sampleRng);
    const shape = [k, this.options.channels, this.options.imgHeight, this.options.imgWidth];
    const realA = this.engine.tensor(a, shape);
    const realB = this.engine.tensor(b, shape);
    try {
      return await this.sampleImages(realA, realB);
    } finally {
      realA.dispose();
      realB.dispose();
    }
  }

  // ------------------------------------------------------------------------- checkpoints

  /** The whole training state as plain values (weights and moments read from the backend). */
  async trainingState(): Promise<TrainingState> {
    this.assertUsable('checkpoint');
    const networks = {} as TrainingState['networks'];
    for (const name of NETWORK_NAMES) {
      const out: TrainingState['networks'][NetworkName] = {};
      for (const [k, t] of Object.entries(this.net(name).stateDict())) out[k] = { data: await t.data(), shape: [...t.shape] };
      networks[name] = out;
    }
    const optimizers = {} as TrainingState['optimizers'];
    const schedulers = {} as TrainingState['schedulers'];
    for (const name of OPTIMIZER_NAMES) {
      optimizers[name] = { params: this.optimizerParamNames(name), state: await this.optimizer(name).stateDict() };
      schedulers[name] = this.scheduler(name).stateDict();
    }
    const replay = this._replayRandom instanceof RngReplayRandom ? this._replayRandom.getState() : null;
    return {
      options: { ...this.options },
      networks,
      optimizers,
      schedulers,
      epoch: this._epoch,
      batch: this._batch,
      epochOrder: this.epochOrder ? [...this.epochOrder] : null,
      steps: this._steps,
      rng: { data: this.dataRng.getState(), replay, sample: this.sampleRng.getState() },
      buffers: { fake_A_buffer: await this.fakeABuffer.snapshot(), fake_B_buffer: await this.fakeBBuffer.snapshot() },
    };
  }

  /** The checkpoint as safetensors bytes (for browsers: store them in IndexedDB, download them, ...). */
  async checkpointBytes(): Promise<Uint8Array> {
    if (this.busy) throw new CycleGanError('CycleGANTrainer: a checkpoint cannot be taken while a step runs');
    return encodeCheckpoint(await this.trainingState());
  }

  /** Writes the checkpoint to `path` atomically (Node). A failure leaves an existing file intact. */
  async saveCheckpoint(path: string): Promise<void> {
    if (typeof path !== 'string' || path === '') throw new AttributeError('CycleGANTrainer.saveCheckpoint', 'path', 'a file path', String(path));
    const bytes = await this.checkpointBytes();
    await writeFileAtomic(path, bytes);
  }

  /**
   * Restores a checkpoint (a file path in Node, or bytes) into this trainer. The checkpoint
   * must come from the same architecture and training options; on any mismatch nothing is
   * changed and a CheckpointError lists the differences.
   */
  async loadCheckpoint(source: string | Uint8Array): Promise<void> {
    this.assertUsable('loadCheckpoint');
    const label = typeof source === 'string' ? source : 'checkpoint';
    const bytes = typeof source === 'string' ? await readFileBytes(source) : source;
    if (!(bytes instanceof Uint8Array)) {
      throw new AttributeError('CycleGANTrainer.loadCheckpoint', 'source', 'a file path or a Uint8Array', typeof source);
    }
    this.applyState(decodeCheckpoint(bytes, label), label);
  }

  /** Validates everything first, then writes: a failure leaves the trainer as it was. */
  private applyState(state: TrainingState, label: string): void {
    const arch = architectureDifferences(state.options, this.options);
    if (arch.length) {
      throw new CheckpointError(
        `${label} was saved by a trainer of another architecture (${describeArchitecture(state.options)}; this trainer: ` +
          `${describeArchitecture(this.options)}): ${arch.join('; ')}. Build the trainer with the checkpoint's options, ` +
          'or use CycleGANTrainer.resume(engine, checkpoint)',
      );
    }
    const traj = TRAJECTORY_OPTIONS.filter((k) => state.options[k] !== this.options[k]).map(
      (k) => `${k}: checkpoint ${state.options[k]}, trainer ${this.options[k]}`,
    );
    if (traj.length) {
      throw new CheckpointError(
        `${label} was saved with other training options (${traj.join('; ')}); resuming must use the same ones. ` +
          'Use CycleGANTrainer.resume(engine, checkpoint) to take the checkpoint\'s options',
      );
    }
    const apply: (() => void)[] = [];
    for (const name of NETWORK_NAMES) {
      const net = this.net(name);
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
      const expected = this.optimizerParamNames(name);
      if (saved.params.join('\n') !== expected.join('\n')) {
        throw new CheckpointError(`${label}: ${name}'s parameter list does not match this trainer's`);
      }
      try {
        apply.push(this.optimizer(name).prepareLoad(saved.state, `${label}: ${name}`));
        apply.push(this.scheduler(name).prepareLoad(state.schedulers[name], `${label}: ${name} scheduler`));
      } catch (e) {
        throw new CheckpointError((e as Error).message);
      }
    }
    const shape = [1, this.options.channels, this.options.imgHeight, this.options.imgWidth];
    const size = shape[1] * shape[2] * shape[3];
    for (const name of BUFFER_NAMES) {
      const imgs = state.buffers[name];
      if (imgs.length > this.options.bufferSize || imgs.some((v) => v.length !== size)) {
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
    if (state.epoch < this.options.epoch || state.epoch > this.options.nEpochs) {
      throw new CheckpointError(`${label}: epoch ${state.epoch} is outside [${this.options.epoch}, ${this.options.nEpochs}]`);
    }
    if (state.batch > 0 && state.epochOrder === null) {
      throw new CheckpointError(`${label}: mid-epoch checkpoint without the epoch's sample order`);
    }
    // Everything fits: write.
    for (const f of apply) f();
    this.fakeABuffer.restore(state.buffers.fake_A_buffer, shape);
    this.fakeBBuffer.restore(state.buffers.fake_B_buffer, shape);
    this.dataRng.setState(rng.data);
    this.sampleRng.setState(rng.sample);
    if (rng.replay && this._replayRandom instanceof RngReplayRandom) this._replayRandom.setState(rng.replay);
    this._epoch = state.epoch;
    this._batch = state.batch;
    this._steps = state.steps;
    this.epochOrder = state.epochOrder ? [...state.epochOrder] : null;
  }

  // ------------------------------------------------------------------------- lifetime

  /** Frees the networks, the optimizers' moments and the replay buffers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const name of NETWORK_NAMES) this.net(name).dispose();
    this.optimizerG.dispose();
    this.optimizerDA.dispose();
    this.optimizerDB.dispose();
    this.fakeABuffer.dispose();
    this.fakeBBuffer.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // ------------------------------------------------------------------------- checks

  private assertUsable(what: string): void {
    if (this.disposed) throw new CycleGanError(`CycleGANTrainer.${what}: the trainer was disposed`);
    if (this.busy) throw new CycleGanError(`CycleGANTrainer.${what}: a step is running; await it first`);
  }

  private checkBatch(what: string, arg: string, t: unknown, exactSize = true): void {
    const o = this.options;
    const expected = exactSize ? `[N, ${o.channels}, ${o.imgHeight}, ${o.imgWidth}]` : `[N, ${o.channels}, H, W]`;
    if (!(t instanceof Tensor)) throw new AttributeError(`CycleGANTrainer.${what}`, arg, `a Tensor ${expected}`, typeof t);
    t.assertAlive(`CycleGANTrainer.${what}`, arg);
    if (t.engine !== this.engine) throw new AttributeError(`CycleGANTrainer.${what}`, arg, "a tensor of the trainer's engine", 'a tensor of another engine');
    const s = t.shape;
    const ok = s.length === 4 && s[0] >= 1 && s[1] === o.channels && (!exactSize || (s[2] === o.imgHeight && s[3] === o.imgWidth));
    if (!ok) throw new ShapeError(`CycleGANTrainer.${what}`, arg, expected, formatShape(s));
  }

  private checkDataset(what: string, arg: string, d: TrainingDataset): void {
    const where = `CycleGANTrainer.${what}`;
    if (!d || typeof d.get !== 'function') throw new AttributeError(where, arg, 'a dataset with length, channels, height, width and get()', String(d));
    if (!Number.isInteger(d.length) || d.length < 1) throw new AttributeError(where, `${arg}.length`, 'an integer >= 1', String(d.length));
    const o = this.options;
    if (d.channels !== o.channels || d.height !== o.imgHeight || d.width !== o.imgWidth) {
      throw new AttributeError(
        where,
        arg,
        `images of ${o.channels}x${o.imgHeight}x${o.imgWidth} (channels x imgHeight x imgWidth of the trainer's options)`,
        `${d.channels}x${d.height}x${d.width}`,
      );
    }
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates with the given Rng). */
export function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
