// CycleGANTrainer: PyTorch-GAN's implementations/cyclegan training loop as a library API.
// Two GeneratorResNet (G_AB, G_BA), two PatchGAN discriminators (D_A, D_B) initialised with
// weights_init_normal, one Adam over both generators and one per discriminator, LambdaLR
// stepped once per epoch, replay buffers of fakes, and the reference's order of operations:
// generators first (the discriminators' gradients from that pass are never applied), then
// D_A on real A and a replayed fake A (detached), then D_B likewise.
import type { Engine } from '../engine.js';
import { AbortError, AttributeError, CycleGANError, ShapeError, TrainerBusyError } from '../errors.js';
import { concat } from '../ops/data.js';
import { Rng, splitmix32 } from '../random/rng.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Adam } from '../optim/adam.js';
import { LambdaLR, LambdaLRScheduler } from '../optim/lambda_lr.js';
import { Discriminator } from './discriminator.js';
import { GeneratorResNet } from './generator.js';
import { recomputeResiduals, setResidualRecompute } from './residual_block.js';
import { initWeightsNormal } from './init_weights.js';
import { average, discriminatorLoss, generatorLosses, type StepLosses } from './losses.js';
import { resolveOptions, type CycleGANOptions, type ResolvedCycleGANOptions } from './options.js';
import { ReplayBuffer, RngReplayRandom, type ReplayRandom } from './replay_buffer.js';
import { sampleGrid, type RgbaImage } from './sample_grid.js';
import { decodeCheckpoint, encodeCheckpoint, layoutCheckpoint, NETWORK_NAMES, readFileBytes, writeSafetensorsFileAtomic, type TrainingState } from './checkpoint.js';
import { fitTrainer, type FitHost, type FitOptions, type FitResult, type TrainingDataset } from './fit.js';
import { applyState, captureLiveState, captureState, networkOf, type RunPosition } from './trainer_state.js';
import { yieldToEventLoop } from '../event_loop.js';
import { translateImage, type TranslateOptions } from '../translate/translate.js';

export type { FitOptions, FitProgress, FitResult, SampleInfo, TrainingDataset } from './fit.js';
export { permutation } from './fit.js';
export type { StepLosses } from './losses.js';

export type Direction = 'AtoB' | 'BtoA';

export interface StepOptions {
  /**
   * Checked before the step and again after the generators' forward and backward pass (the
   * event loop runs there first, so a signal handler or a worker's cancel message is seen):
   * when aborted, the step is abandoned before it changes any state and rejects with an
   * AbortError. The engine's abort flag (Engine.setAbortFlag), which another thread raises, is
   * also checked before every kernel of that pass, so a step is abandoned within one kernel.
   */
  signal?: AbortSignal;
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
  /**
   * The epoch, batch, steps and epoch order. Only the trainer writes them: fit() moves them
   * through the FitHost the trainer gives it, checkpoints read a copy and return a new one.
   */
  private readonly run: RunPosition;
  private disposed = false;
  /** A step's synchronous part (or its abort check) is running. */
  private busy = false;
  /** Settles when the running step ends (its state updated or abandoned); null between steps. */
  private stepEnded: Promise<void> | null = null;
  /** A fit() holds the trainer: steps, epochs and state loads go through it only. */
  private fitting = false;
  /**
   * saveCheckpoint() calls writing from the tensors' own memory: until they end, nothing may
   * change or free those tensors, so a step or a state load waits for them and dispose() frees
   * after them.
   */
  private readonly liveSaves = new Set<Promise<void>>();

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
    this.G_AB = new GeneratorResNet(engine, inputShape, o.nResidualBlocks, o.ngf);
    this.G_BA = new GeneratorResNet(engine, inputShape, o.nResidualBlocks, o.ngf);
    this.D_A = new Discriminator(engine, inputShape, o.ndf);
    this.D_B = new Discriminator(engine, inputShape, o.ndf);
    for (const G of [this.G_AB, this.G_BA]) setResidualRecompute(G, recomputeResiduals(o.recompute, o.batchSize, o.imgHeight, o.imgWidth, o.nResidualBlocks));
    NETWORK_NAMES.forEach((name, k) => initWeightsNormal(networkOf(this, name), { seed: splitmix32(o.seed, k + 1) }));

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

    this.dataRng = new Rng(splitmix32(o.seed, 11));
    this.sampleRng = new Rng(splitmix32(o.seed, 13));
    // One random source for both buffers, as the reference's shared `random` module.
    this._replayRandom = new RngReplayRandom(new Rng(splitmix32(o.seed, 12)));
    this.fakeABuffer = new ReplayBuffer(engine, o.bufferSize, this._replayRandom);
    this.fakeBBuffer = new ReplayBuffer(engine, o.bufferSize, this._replayRandom);
    this.run = { epoch: o.epoch, batch: 0, steps: 0, epochOrder: null };
  }

  /** Builds a trainer from a checkpoint (its options, weights and training state) on `engine`. */
  static async resume(engine: Engine, source: string | Uint8Array, overrides: Pick<CycleGANOptions, 'sampleInterval' | 'checkpointInterval'> = {}): Promise<CycleGANTrainer> {
    const bytes = typeof source === 'string' ? await readFileBytes(source) : source;
    const state = decodeCheckpoint(bytes, typeof source === 'string' ? source : 'checkpoint');
    const trainer = new CycleGANTrainer(engine, { ...state.options, ...overrides });
    try {
      Object.assign(trainer.run, applyState(trainer, state, typeof source === 'string' ? source : 'checkpoint'));
    } catch (e) {
      trainer.dispose();
      throw e;
    }
    return trainer;
  }

  // ------------------------------------------------------------------------- state

  /** The epoch being trained (absolute). */
  get epoch(): number {
    return this.run.epoch;
  }

  /** Batches done in the current epoch. */
  get batch(): number {
    return this.run.batch;
  }

  /** Steps taken over the whole run (resumed runs included). */
  get steps(): number {
    return this.run.steps;
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

  // ------------------------------------------------------------------------- training

  /**
   * One training step on a batch: realA and realB are [N, C, H, W] in [-1, 1] (C, H, W as the
   * options say). Returns the losses as numbers. Does not advance the epoch counters; fit()
   * does, and endEpoch() steps the schedulers.
   */
  async step(realA: Tensor, realB: Tensor, options: StepOptions = {}): Promise<StepLosses> {
    this.assertIdle('step');
    return this.runStep(realA, realB, options.signal);
  }

  /** The step itself; fit() calls it while it holds the trainer. */
  private async runStep(realA: Tensor, realB: Tensor, signal: AbortSignal | undefined): Promise<StepLosses> {
    // Inline, not a helper: from the last size check to `busy = true` nothing awaits, so no save
    // can start reading the state in between.
    while (this.liveSaves.size) await this.liveSavesSettled();
    if (this.busy) throw new TrainerBusyError('step', 'step');
    this.checkBatch('step', 'realA', realA);
    this.checkBatch('step', 'realB', realB);
    if (realA.shape[0] !== realB.shape[0]) {
      throw new ShapeError('CycleGANTrainer.step', 'realB', `${realA.shape[0]} images, like realA`, formatShape(realB.shape));
    }
    if (signal?.aborted) throw new AbortError('CycleGANTrainer.step');
    const e = this.engine;
    const o = this.options;
    const targetShape = [realA.shape[0], ...this.D_A.outputShape];
    const nets = { G_AB: this.G_AB, G_BA: this.G_BA, D_A: this.D_A, D_B: this.D_B };
    this.busy = true;
    let endStep = (): void => {};
    this.stepEnded = new Promise<void>((resolve) => (endStep = resolve));
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
        // The engine's abort flag (Engine.setAbortFlag, raised by another thread) may abandon
        // this pass between two kernels: tidy() frees what it made, and the gradients it
        // accumulated are dropped below; nothing else has changed yet.
        g = e._abortable('CycleGANTrainer.step', () =>
          e.tidy(() => {
            const valid = e.ones(targetShape);
            const l = generatorLosses(nets, realA, realB, valid, o.lambdaCyc, o.lambdaId);
            l.lossG.backward();
            const losses = concat([l.lossG, l.lossGAN, l.lossCycle, l.lossIdentity].map((t) => t.detach().reshape([1])));
            return { fakeA: l.fakeA.detach(), fakeB: l.fakeB.detach(), losses };
          }),
        );
      } catch (err) {
        if (err instanceof AbortError) this.optimizerG.zeroGrad();
        throw err;
      } finally {
        this.D_A.setRequiresGrad(true);
        this.D_B.setRequiresGrad(true);
      }
      if (e.abortRequested) {
        this.optimizerG.zeroGrad();
        throw new AbortError('CycleGANTrainer.step');
      }
      if (signal) {
        // The generators' pass is most of a step's time and nothing has been updated yet: the
        // last point where the step can be dropped without undoing anything. Ops are
        // synchronous, so the event loop must run for an abort (a signal handler, a cancel
        // message) to be seen at all.
        await yieldToEventLoop();
        if (signal.aborted) {
          this.optimizerG.zeroGrad();
          throw new AbortError('CycleGANTrainer.step');
        }
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
      this.stepEnded = null;
      endStep();
    }
    // The state is updated: from here on the step counts, whatever the signal says.
    this.run.steps += 1;
    try {
      const v = await all!.data();
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
    this.assertIdle('endEpoch');
    this.advanceEpoch();
  }

  private advanceEpoch(): void {
    this.schedulerG.step();
    this.schedulerDA.step();
    this.schedulerDB.step();
    this.run.epoch += 1;
    this.run.batch = 0;
    this.run.epochOrder = null;
  }

  /**
   * Trains on `dataset` from where the trainer stands (options.epoch, or a resumed checkpoint's
   * epoch and batch) to nEpochs: each epoch shuffles the samples with the trainer's Rng
   * (DataLoader shuffle=True, the last batch may be smaller), collates batches, steps, reports
   * progress, and checks `signal` between steps.
   */
  async fit(dataset: TrainingDataset, options: FitOptions = {}): Promise<FitResult> {
    this.assertIdle('fit');
    this.fitting = true;
    try {
      return await fitTrainer(this.fitHost(), dataset, options);
    } finally {
      this.fitting = false;
    }
  }

  /**
   * What fit() drives: the trainer's public parts it reads, and the steps and counter moves that
   * only a fit may make (the public step() and endEpoch() refuse while it holds the trainer).
   */
  private fitHost(): FitHost {
    const run = this.run;
    return {
      engine: this.engine,
      options: this.options,
      dataRng: this.dataRng,
      sampleRng: this.sampleRng,
      lr: () => this.lr,
      epoch: () => run.epoch,
      batch: () => run.batch,
      epochOrder: () => run.epochOrder,
      beginEpoch: (order) => {
        run.epochOrder = order;
      },
      step: (a, b, signal) => this.runStep(a, b, signal),
      batchDone: () => {
        run.batch += 1;
      },
      endEpoch: () => this.advanceEpoch(),
      sampleImages: (a, b) => this.sampleImages(a, b),
      checkpointBytes: () => this.checkpointBytes(),
      saveCheckpoint: (path) => this.saveCheckpoint(path),
    };
  }

  /** Whether a fit() is running on this trainer. */
  get isFitting(): boolean {
    return this.fitting;
  }

  // ------------------------------------------------------------------------- inference

  /**
   * Translates images [N, C, H, W] (or one [C, H, W]) in [-1, 1] of any size with G_AB ('AtoB')
   * or G_BA ('BtoA') in eval mode, without gradients: reflection-padded to a multiple of 4 and
   * cropped back, in tiles when the image is too large for one pass (options: tileSize,
   * memoryBudget, onProgress; src/translate/translate.ts). Returns a new tensor of the input's
   * shape, which the caller disposes.
   */
  async translate(image: Tensor, direction: Direction, options: TranslateOptions = {}): Promise<Tensor> {
    await this.betweenSteps();
    this.assertUsable('translate');
    if (direction !== 'AtoB' && direction !== 'BtoA') {
      throw new AttributeError('CycleGANTrainer.translate', 'direction', "'AtoB' or 'BtoA'", JSON.stringify(direction));
    }
    if (!(image instanceof Tensor)) throw new AttributeError('CycleGANTrainer.translate', 'image', 'a Tensor', typeof image);
    image.assertAlive('CycleGANTrainer.translate', 'image');
    const c = this.options.channels;
    const ok = (image.rank === 4 && image.shape[1] === c) || (image.rank === 3 && image.shape[0] === c);
    if (!ok) throw new ShapeError('CycleGANTrainer.translate', 'image', `[N, ${c}, H, W] or [${c}, H, W]`, formatShape(image.shape));
    const G = direction === 'AtoB' ? this.G_AB : this.G_BA;
    return translateImage(G, image, options, 'CycleGANTrainer.translate');
  }

  /**
   * The reference's sample_images on two batches [N, C, H, W]: rows real A, fake B, real B,
   * fake A, each laid out by make_grid(nrow=5, normalize=True); RGBA pixels.
   */
  async sampleImages(realA: Tensor, realB: Tensor): Promise<RgbaImage> {
    await this.betweenSteps();
    this.assertUsable('sampleImages');
    this.checkBatch('sampleImages', 'realA', realA, false);
    this.checkBatch('sampleImages', 'realB', realB, false);
    if (realA.shape.join() !== realB.shape.join()) {
      throw new ShapeError('CycleGANTrainer.sampleImages', 'realB', formatShape(realA.shape), formatShape(realB.shape));
    }
    const fakeB = await this.translate(realA, 'AtoB');
    let fakeA: Tensor;
    try {
      fakeA = await this.translate(realB, 'BtoA');
    } catch (err) {
      // Abandoned by the engine's abort flag (fit's grid), or failed: nothing is left behind.
      fakeB.dispose();
      throw err;
    }
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

  // ------------------------------------------------------------------------- checkpoints

  /** The whole training state as plain values (weights and moments read from the backend). */
  async trainingState(): Promise<TrainingState> {
    await this.betweenSteps();
    this.assertUsable('checkpoint');
    return captureState(this, { ...this.run });
  }

  /** The checkpoint as safetensors bytes (for browsers: store them in IndexedDB, download them, ...). */
  async checkpointBytes(): Promise<Uint8Array> {
    return encodeCheckpoint(await this.trainingState());
  }

  /**
   * Writes the checkpoint to `path` atomically (Node). A failure leaves an existing file intact.
   * On WASM the values go to the file straight from the heap, not copied first; a step, a
   * loadCheckpoint or a dispose() called meanwhile waits until the file is written. (Do not
   * change the networks' parameters by hand before this settles.)
   */
  async saveCheckpoint(path: string): Promise<void> {
    if (typeof path !== 'string' || path === '') throw new AttributeError('CycleGANTrainer.saveCheckpoint', 'path', 'a file path', String(path));
    if (this.disposed) throw new CycleGANError('CycleGANTrainer.saveCheckpoint: the trainer was disposed');
    // Registered before its first await: a step or a dispose() asked for after this call waits
    // for the write (a step already running finishes first: the write waits for it).
    const save = this.writeLiveCheckpoint(path);
    this.liveSaves.add(save);
    try {
      await save;
    } finally {
      this.liveSaves.delete(save);
    }
  }

  private async writeLiveCheckpoint(path: string): Promise<void> {
    await this.betweenSteps();
    await writeSafetensorsFileAtomic(path, layoutCheckpoint(await captureLiveState(this, { ...this.run })));
  }

  /** Settles when the saveCheckpoint() calls running now have ended (whether or not they succeeded). */
  private async liveSavesSettled(): Promise<void> {
    await Promise.allSettled([...this.liveSaves]);
  }

  /** Waits until no saveCheckpoint() is writing from the tensors' memory. */
  private async afterLiveSaves(): Promise<void> {
    while (this.liveSaves.size) await this.liveSavesSettled();
  }

  /**
   * Restores a checkpoint (a file path in Node, or bytes) into this trainer. The checkpoint
   * must come from the same architecture and training options; on any mismatch nothing is
   * changed and a CheckpointError lists the differences.
   */
  async loadCheckpoint(source: string | Uint8Array): Promise<void> {
    this.assertIdle('loadCheckpoint');
    const label = typeof source === 'string' ? source : 'checkpoint';
    const bytes = typeof source === 'string' ? await readFileBytes(source) : source;
    if (!(bytes instanceof Uint8Array)) {
      throw new AttributeError('CycleGANTrainer.loadCheckpoint', 'source', 'a file path or a Uint8Array', typeof source);
    }
    const state = decodeCheckpoint(bytes, label);
    await this.afterLiveSaves();
    this.assertIdle('loadCheckpoint');
    Object.assign(this.run, applyState(this, state, label));
  }

  // ------------------------------------------------------------------------- lifetime

  /** Frees the networks, the optimizers' moments and the replay buffers. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.liveSaves.size) void this.afterLiveSaves().then(() => this.free());
    else this.free();
  }

  private free(): void {
    for (const name of NETWORK_NAMES) networkOf(this, name).dispose();
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

  /**
   * Reading calls wait for a running step to end: a step lets the event loop run once (to see
   * its abort signal), and a call that arrives then (a worker's message, a timer) is served
   * right after the step, between steps, as it always was.
   */
  private async betweenSteps(): Promise<void> {
    while (this.stepEnded) await this.stepEnded;
  }

  /** For calls that read the model: allowed between the steps of a running fit(). */
  private assertUsable(what: string): void {
    if (this.disposed) throw new CycleGANError(`CycleGANTrainer.${what}: the trainer was disposed`);
    if (this.busy) throw new TrainerBusyError(what, 'step');
  }

  /** For calls that change training: refused while a fit() holds the trainer. */
  private assertIdle(what: string): void {
    this.assertUsable(what);
    if (this.fitting) throw new TrainerBusyError(what, 'fit');
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
}
