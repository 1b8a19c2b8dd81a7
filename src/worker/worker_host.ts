// The object the worker exposes over comlink: it owns one engine and, by numeric handle, the
// trainers and models the client created. Every method validates its handle and arguments and
// throws the library's typed errors, which arrive on the main thread as the same classes.
import { transfer, releaseProxy, type Remote } from 'comlink';
import { createEngine, type Engine } from '../engine.js';
import { AttributeError, CycleGANError, ShapeError, TrainerBusyError } from '../errors.js';
import { CycleGANTrainer, type Direction, type FitResult, type StepLosses } from '../cyclegan/trainer.js';
import type { CycleGANOptions } from '../cyclegan/options.js';
import type { RgbaImage } from '../cyclegan/sample_grid.js';
import { CHECKPOINT_FORMAT, decodeCheckpoint } from '../cyclegan/checkpoint.js';
import { GeneratorResNet } from '../cyclegan/generator.js';
import { ResnetGenerator } from '../cyclegan/resnet_generator.js';
import { loadWeights, detectFormat } from '../io/load.js';
import { loadModel } from '../cyclegan/weights/load_model.js';
import { saveWeightsAsync, type SaveWeightsOptions } from '../cyclegan/weights/save.js';
import { readSafetensors } from '../io/safetensors.js';
import { dropInstanceNormStats, stripDataParallel } from '../cyclegan/weights/keymap.js';
import { specOf, type CycleGANModel, type ModelSpec } from '../cyclegan/weights/architectures.js';
import { readSource } from '../io/source.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';
import { formatShape } from '../shape.js';
import { translateImage } from '../translate/translate.js';
import { batchBuffers, batchToTensor, tensorToBatch, type BatchTarget } from './batches.js';
import { buildDataset } from './datasets.js';
import { yieldToEventLoop } from '../event_loop.js';
import { throttleProgress } from './progress.js';
import type {
  CheckpointCallback,
  DatasetDescription,
  LoadModelWireOptions,
  ModelInfo,
  NetworkName,
  ProgressCallback,
  SampleCallback,
  TrainerInfo,
  WireBatch,
  WireFitOptions,
  WireSource,
  WireTranslateOptions,
  WorkerApi,
  WorkerInit,
  WorkerReady,
  WorkerTestHooks,
} from './protocol.js';
import { isDirectionMap, WORKER_EXIT_MESSAGE } from './protocol.js';

const NETWORKS: readonly NetworkName[] = ['G_AB', 'G_BA', 'D_A', 'D_B'];
const DIRECTIONS: readonly Direction[] = ['AtoB', 'BtoA'];

/** What a loaded model holds: a network per direction it translates. */
interface LoadedModel {
  nets: Partial<Record<Direction, CycleGANModel>>;
}

function isGenerator(m: Module): m is GeneratorResNet | ResnetGenerator {
  return m instanceof GeneratorResNet || m instanceof ResnetGenerator;
}

/** Only the options that may cross the wire (a stray key, such as a callback, is refused). */
function wireTranslateOptions(options: WireTranslateOptions | undefined): WireTranslateOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw new AttributeError('translate', 'options', 'an object { tileSize?, memoryBudget? }', typeof options);
  const unknown = Object.keys(options).filter((k) => k !== 'tileSize' && k !== 'memoryBudget');
  if (unknown.length) throw new AttributeError('translate', 'options', 'only tileSize and memoryBudget (in a worker)', unknown.join(', '));
  return { tileSize: options.tileSize, memoryBudget: options.memoryBudget };
}

function isCheckpoint(bytes: Uint8Array): boolean {
  if (detectFormat(bytes) !== 'safetensors') return false;
  return readSafetensors(bytes).metadata.format === CHECKPOINT_FORMAT;
}

/** The direction a single generator file says it translates (the CLI's G_AB/G_BA files do), if any. */
function labelledDirection(bytes: Uint8Array): Direction | null {
  if (detectFormat(bytes) !== 'safetensors') return null;
  const d = readSafetensors(bytes).metadata.direction;
  return d === 'AtoB' || d === 'BtoA' ? d : null;
}

/** A fresh array that owns its whole buffer, so the buffer can be transferred without copying. */
function ownedBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

export class WorkerHost implements WorkerApi, WorkerTestHooks {
  private engine: Engine | null = null;
  private options: WorkerInit | null = null;
  private nextId = 1;
  private readonly trainers = new Map<number, CycleGANTrainer>();
  private readonly models = new Map<number, LoadedModel>();
  private readonly cancels = new Map<number, AbortController>();
  /** Trainers inside fit(): their steps interleave with other calls at step boundaries. */
  private readonly fitting = new Set<number>();
  /** Buffers of the last transferred result, kept only to probe that the transfer detached them. */
  private lastTransfer: ArrayBuffer[] = [];

  async init(options: WorkerInit): Promise<WorkerReady> {
    if (this.engine) throw new CycleGANError('the worker is already initialised');
    this.options = options;
    this.engine = await createEngine({ backend: options.backend, seed: options.seed, webgpu: options.webgpu, wasm: options.wasm });
    return { backend: this.engine.backend, selection: this.engine.dispatchReport().selection, wasmVariant: this.engine.wasmVariant };
  }

  // ------------------------------------------------------------------------- trainers

  createTrainer(options: CycleGANOptions): TrainerInfo {
    const trainer = new CycleGANTrainer(this.requireEngine(), options ?? {});
    return this.infoOf(this.register(this.trainers, trainer), trainer);
  }

  async resumeTrainer(source: WireSource, overrides: Pick<CycleGANOptions, 'sampleInterval' | 'checkpointInterval'>): Promise<TrainerInfo> {
    const engine = this.requireEngine();
    // readSource: a path in Node, a URL fetched in a browser, or the bytes themselves.
    const trainer = await CycleGANTrainer.resume(engine, await readSource(source), overrides ?? {});
    return this.infoOf(this.register(this.trainers, trainer), trainer);
  }

  trainerInfo(id: number): TrainerInfo {
    return this.infoOf(id, this.trainer(id, 'info'));
  }

  async trainerStep(id: number, realA: WireBatch, realB: WireBatch): Promise<StepLosses> {
    const trainer = this.idleTrainer(id, 'step');
    const target = this.trainerTarget(trainer, true);
    const engine = this.requireEngine();
    const a = batchToTensor(engine, realA, target, 'CycleGANTrainer.step', 'realA');
    let b: Tensor | null = null;
    try {
      b = batchToTensor(engine, realB, target, 'CycleGANTrainer.step', 'realB');
      return await trainer.step(a, b);
    } finally {
      a.dispose();
      b?.dispose();
    }
  }

  trainerEndEpoch(id: number): TrainerInfo {
    const trainer = this.idleTrainer(id, 'endEpoch');
    trainer.endEpoch();
    return this.infoOf(id, trainer);
  }

  async trainerFit(
    id: number,
    dataset: DatasetDescription,
    options: WireFitOptions,
    onProgress?: ProgressCallback,
    onCheckpoint?: CheckpointCallback,
    onSample?: SampleCallback,
  ): Promise<FitResult> {
    // Registered before the first await, so a cancel sent right after this call finds it.
    const controller = new AbortController();
    this.cancels.set(options.cancelId, controller);
    if (options.aborted) controller.abort();
    let marked = false;
    let flagged: Engine | null = null;
    try {
      const trainer = this.idleTrainer(id, 'fit');
      // The client's abort flag stops a step within a kernel. An engine holds one flag, which
      // cannot tell two trainers apart: while fits of two trainers of this worker run, both
      // keep to the cancel message (seen between steps).
      if (this.fitting.size > 0) this.requireEngine().setAbortFlag(null);
      else if (options.abortFlag) {
        flagged = this.requireEngine();
        flagged.setAbortFlag(new Int32Array(options.abortFlag));
      }
      this.fitting.add(id);
      marked = true;
      const data = await buildDataset(dataset, 'CycleGANTrainer.fit', 'dataset');
      const sampleDataset = options.sampleDataset ? await buildDataset(options.sampleDataset, 'CycleGANTrainer.fit', 'sampleDataset') : undefined;
      const interval = options.progressIntervalMs ?? this.options!.progressIntervalMs;
      const send = onProgress ? throttleProgress((p) => onProgress(p), interval) : null;
      return await trainer.fit(data, {
        signal: controller.signal,
        // Called after every step: the boundary where a cancel must be seen, so the event loop
        // runs here even when no progress goes out.
        onProgress: async (p) => {
          if (send) await send(p);
          await yieldToEventLoop();
        },
        checkpoint: onCheckpoint
          ? async (bytes) => {
              const owned = ownedBytes(bytes);
              await onCheckpoint(transfer(owned, [owned.buffer as ArrayBuffer]));
            }
          : options.checkpointPath,
        onSample: onSample
          ? async (grid, info) => {
              await onSample(transfer(grid, [grid.data.buffer as ArrayBuffer]), info);
            }
          : undefined,
        sampleDataset,
        sampleCount: options.sampleCount,
      });
    } finally {
      if (flagged && !flagged.isDisposed) flagged.setAbortFlag(null);
      if (marked) this.fitting.delete(id);
      this.cancels.delete(options.cancelId);
      // Closes the callbacks' message ports, which would otherwise keep both threads alive.
      for (const cb of [onProgress, onCheckpoint, onSample]) (cb as Remote<unknown> | undefined)?.[releaseProxy]?.();
    }
  }

  cancel(cancelId: number): void {
    this.cancels.get(cancelId)?.abort();
  }

  async trainerTranslate(id: number, image: WireBatch, direction: Direction, options?: WireTranslateOptions): Promise<WireBatch> {
    const trainer = this.trainer(id, 'translate');
    const x = batchToTensor(this.requireEngine(), image, this.trainerTarget(trainer, false), 'CycleGANTrainer.translate', 'image');
    try {
      const y = await trainer.translate(x, direction, wireTranslateOptions(options));
      try {
        return this.sendBatch(await tensorToBatch(y, image));
      } finally {
        y.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  async trainerSampleImages(id: number, realA: WireBatch, realB: WireBatch): Promise<RgbaImage> {
    const trainer = this.trainer(id, 'sampleImages');
    const engine = this.requireEngine();
    const target = this.trainerTarget(trainer, false);
    const a = batchToTensor(engine, realA, target, 'CycleGANTrainer.sampleImages', 'realA');
    let b: Tensor | null = null;
    try {
      b = batchToTensor(engine, realB, target, 'CycleGANTrainer.sampleImages', 'realB');
      const grid = await trainer.sampleImages(a, b);
      return this.send(grid, [grid.data.buffer as ArrayBuffer]);
    } finally {
      a.dispose();
      b?.dispose();
    }
  }

  async trainerCheckpoint(id: number): Promise<Uint8Array> {
    const bytes = ownedBytes(await this.trainer(id, 'checkpointBytes').checkpointBytes());
    return this.send(bytes, [bytes.buffer as ArrayBuffer]);
  }

  async trainerSaveCheckpoint(id: number, path: string): Promise<void> {
    await this.trainer(id, 'saveCheckpoint').saveCheckpoint(path);
  }

  async trainerLoadCheckpoint(id: number, source: WireSource): Promise<TrainerInfo> {
    const trainer = this.idleTrainer(id, 'loadCheckpoint');
    await trainer.loadCheckpoint(await readSource(source));
    return this.infoOf(id, trainer);
  }

  async trainerSaveWeights(id: number, network: NetworkName, options: SaveWeightsOptions): Promise<Uint8Array> {
    const trainer = this.trainer(id, 'saveWeights');
    const bytes = ownedBytes(await saveWeightsAsync(this.network(trainer, network, 'saveWeights'), options ?? {}));
    return this.send(bytes, [bytes.buffer as ArrayBuffer]);
  }

  async trainerLoadWeights(id: number, network: NetworkName, source: WireSource, options: { strict?: boolean }): Promise<void> {
    const trainer = this.idleTrainer(id, 'loadWeights');
    await this.loadInto(this.network(trainer, network, 'loadWeights'), source, options?.strict);
  }

  trainerDispose(id: number): void {
    this.trainers.get(id)?.dispose();
    this.trainers.delete(id);
  }

  // ------------------------------------------------------------------------- models

  async loadModel(sources: Partial<Record<Direction, WireSource>> | WireSource, options: LoadModelWireOptions): Promise<ModelInfo> {
    const engine = this.requireEngine();
    const { direction, ...loadOptions } = options ?? {};
    if (direction !== undefined && !DIRECTIONS.includes(direction)) {
      throw new AttributeError('loadModel', 'direction', "'AtoB' or 'BtoA'", JSON.stringify(direction));
    }
    const notes: string[] = [];
    const onNote = (n: string): void => void notes.push(n);
    const nets: LoadedModel['nets'] = {};
    try {
      if (isDirectionMap<WireSource>(sources)) {
        for (const d of DIRECTIONS) {
          if (sources[d] === undefined) continue;
          const bytes = await readSource(sources[d]!);
          const labelled = labelledDirection(bytes);
          if (labelled !== null && labelled !== d) {
            throw new AttributeError('loadModel', `source.${d}`, `a ${d} generator`, `a file labelled ${labelled} (its metadata)`);
          }
          nets[d] = await loadModel(engine, bytes, { ...loadOptions, onNote });
        }
      } else {
        const bytes = await readSource(sources);
        if (loadOptions.prefix === undefined && isCheckpoint(bytes)) {
          // A training checkpoint: both generators, sized by the options it was trained with.
          const o = decodeCheckpoint(bytes, 'checkpoint').options;
          const width = o.ngf !== undefined && o.ngf !== 64 ? { ngf: o.ngf } : {}; // none in checkpoints older than the width option
          const spec: ModelSpec = { kind: 'GeneratorResNet', options: { inputShape: [o.channels, o.imgHeight, o.imgWidth], nResidualBlocks: o.nResidualBlocks, ...width } };
          nets.AtoB = await loadModel(engine, bytes, { prefix: 'G_AB.', spec, onNote });
          nets.BtoA = await loadModel(engine, bytes, { prefix: 'G_BA.', spec, onNote });
        } else {
          // A file of one generator translates one direction: the one it is labelled with. Asking
          // it for the other would silently give this direction's result under the wrong name.
          const labelled = labelledDirection(bytes);
          if (direction !== undefined && labelled !== null && direction !== labelled) {
            throw new AttributeError('loadModel', 'direction', `'${labelled}' (this file holds the ${labelled} generator only; load the other generator's file or a checkpoint for ${direction})`, JSON.stringify(direction));
          }
          nets[direction ?? labelled ?? 'AtoB'] = await loadModel(engine, bytes, { ...loadOptions, onNote });
        }
      }
    } catch (e) {
      for (const net of Object.values(nets)) net.dispose();
      throw e;
    }
    const id = this.register(this.models, { nets });
    const specs: ModelInfo['specs'] = {};
    for (const d of DIRECTIONS) if (nets[d]) specs[d] = specOf(nets[d]!) ?? undefined;
    return { id, directions: DIRECTIONS.filter((d) => nets[d]), specs, notes };
  }

  async modelTranslate(id: number, image: WireBatch, direction: Direction | undefined, options?: WireTranslateOptions): Promise<WireBatch> {
    const net = this.modelNet(id, direction, 'translate');
    if (!isGenerator(net)) {
      throw new AttributeError('model.translate', 'model', 'a generator (GeneratorResNet or ResnetGenerator)', net.constructor.name);
    }
    const engine = this.requireEngine();
    const target: BatchTarget =
      net instanceof GeneratorResNet
        ? { channels: net.inputShape[0], height: net.inputShape[1], width: net.inputShape[2], exact: false }
        : { channels: net.config.inputNc, height: null, width: null, exact: false };
    const x = batchToTensor(engine, image, target, 'model.translate', 'image');
    try {
      if (x.rank < 3 || x.rank > 4 || x.shape[x.rank - 3] !== target.channels) {
        throw new ShapeError('model.translate', 'image', `[N, ${target.channels}, H, W] or [${target.channels}, H, W]`, formatShape(x.shape));
      }
      const y = await translateImage(net, x, wireTranslateOptions(options), 'model.translate');
      try {
        return this.sendBatch(await tensorToBatch(y, image));
      } finally {
        y.dispose();
      }
    } finally {
      x.dispose();
    }
  }

  async modelSaveWeights(id: number, direction: Direction | undefined, options: SaveWeightsOptions): Promise<Uint8Array> {
    const bytes = ownedBytes(await saveWeightsAsync(this.modelNet(id, direction, 'saveWeights'), options ?? {}));
    return this.send(bytes, [bytes.buffer as ArrayBuffer]);
  }

  async modelLoadWeights(id: number, source: WireSource, direction: Direction | undefined, options: { strict?: boolean }): Promise<void> {
    await this.loadInto(this.modelNet(id, direction, 'loadWeights'), source, options?.strict);
  }

  modelDispose(id: number): void {
    const model = this.models.get(id);
    if (model) for (const net of Object.values(model.nets)) net.dispose();
    this.models.delete(id);
  }

  // ------------------------------------------------------------------------- engine

  memory() {
    return this.requireEngine().memory();
  }

  dispatchReport() {
    return this.requireEngine().dispatchReport();
  }

  shutdown(): void {
    for (const c of this.cancels.values()) c.abort();
    for (const id of [...this.trainers.keys()]) this.trainerDispose(id);
    for (const id of [...this.models.keys()]) this.modelDispose(id);
    this.engine?.dispose();
  }

  // ------------------------------------------------------------------------- test hooks

  _testExit(code: number): void {
    this.requireTestHooks('_testExit');
    const g = globalThis as { process?: { exit(code: number): never }; WorkerGlobalScope?: unknown };
    // In a worker thread process.exit() ends the thread only. A browser worker closes itself,
    // which the page would not notice: it announces the exit first (see spawn.ts).
    if (typeof g.WorkerGlobalScope === 'undefined' && typeof g.process?.exit === 'function') g.process.exit(code);
    const scope = globalThis as unknown as { postMessage(m: unknown): void; close(): void };
    scope.postMessage({ [WORKER_EXIT_MESSAGE]: code });
    scope.close();
  }

  _testThrowUncaught(message: string): void {
    this.requireTestHooks('_testThrowUncaught');
    // Thrown outside any call, as a bug in a callback would be: nothing catches it.
    queueMicrotask(() => {
      throw new Error(message);
    });
  }

  _testLastTransfer(): { buffers: number; detached: number } {
    this.requireTestHooks('_testLastTransfer');
    return { buffers: this.lastTransfer.length, detached: this.lastTransfer.filter((b) => b.byteLength === 0).length };
  }

  // ------------------------------------------------------------------------- private

  private requireTestHooks(name: string): void {
    if (!this.options?.testHooks) throw new CycleGANError(`${name} is a test hook; open the worker with testHooks: true`);
  }

  private requireEngine(): Engine {
    if (!this.engine) throw new CycleGANError('the worker has no engine yet (init() was not called)');
    if (this.engine.isDisposed) throw new CycleGANError("the worker's engine was shut down");
    return this.engine;
  }

  private register<T>(map: Map<number, T>, value: T): number {
    const id = this.nextId++;
    map.set(id, value);
    return id;
  }

  private trainer(id: number, method: string): CycleGANTrainer {
    const t = this.trainers.get(id);
    if (!t) throw new CycleGANError(`CycleGANTrainer.${method}: this trainer was disposed (or belongs to another worker)`);
    return t;
  }

  /**
   * A trainer that no fit() is driving. Calls that change training (step, another fit, loading
   * state) would interleave with fit's steps; reading calls (translate, checkpointBytes,
   * sampleImages, info) run between two of its steps and see a consistent model.
   */
  private idleTrainer(id: number, method: string): CycleGANTrainer {
    const t = this.trainer(id, method);
    if (this.fitting.has(id)) {
      throw new TrainerBusyError(method, 'fit');
    }
    return t;
  }

  private infoOf(id: number, t: CycleGANTrainer): TrainerInfo {
    return { id, options: { ...t.options }, epoch: t.epoch, batch: t.batch, steps: t.steps, lr: t.lr };
  }

  private trainerTarget(t: CycleGANTrainer, exact: boolean): BatchTarget {
    return { channels: t.options.channels, height: t.options.imgHeight, width: t.options.imgWidth, exact };
  }

  private network(trainer: CycleGANTrainer, name: NetworkName, method: string): Module {
    if (!NETWORKS.includes(name)) throw new AttributeError(`CycleGANTrainer.${method}`, 'network', NETWORKS.map((n) => `'${n}'`).join(', '), JSON.stringify(name));
    return trainer[name];
  }

  private modelNet(id: number, direction: Direction | undefined, method: string): CycleGANModel {
    const model = this.models.get(id);
    if (!model) throw new CycleGANError(`model.${method}: this model was disposed (or belongs to another worker)`);
    const loaded = DIRECTIONS.filter((d) => model.nets[d]);
    const d = direction ?? (loaded.length === 1 ? loaded[0] : undefined);
    if (d === undefined || !model.nets[d]) {
      throw new AttributeError(`model.${method}`, 'direction', loaded.map((x) => `'${x}'`).join(' or ') + ' (the directions this model holds)', JSON.stringify(direction ?? null));
    }
    return model.nets[d]!;
  }

  /** Loads weights (any supported file) into an existing network, strictly by default. */
  private async loadInto(net: Module, source: WireSource, strict = true): Promise<void> {
    const notes: string[] = [];
    const { tensors } = await loadWeights(await readSource(source));
    net.loadStateDict(dropInstanceNormStats(net, stripDataParallel(tensors, notes), notes), { strict });
  }

  private sendBatch(batch: WireBatch): WireBatch {
    return this.send(batch, batchBuffers(batch));
  }

  /** Marks a result's buffers for transfer (no copy) and remembers them for the transfer probe. */
  private send<T>(value: T, buffers: ArrayBuffer[]): T {
    this.lastTransfer = buffers;
    return transfer(value, buffers);
  }
}
