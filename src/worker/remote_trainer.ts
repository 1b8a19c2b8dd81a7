// A CycleGANTrainer that lives in a worker: the in-thread trainer's methods, each returning a
// promise. Batches and weights are transferred to the worker; fit() takes a dataset
// description, reports progress through a comlink proxy (throttled in the worker) and stops at
// a step boundary when its AbortSignal fires.
import { proxy, type Remote } from 'comlink';
import type { ResolvedCycleGANOptions } from '../cyclegan/options.js';
import type { Direction, FitProgress, FitResult, SampleInfo, StepLosses } from '../cyclegan/trainer.js';
import type { RgbaImage } from '../cyclegan/sample_grid.js';
import type { SaveWeightsOptions } from '../cyclegan/weights/save.js';
import { CycleGANError } from '../errors.js';
import { decodeBatch, encodeBatch, toImageResult, TransferList, type BatchInput, type BatchOutput } from './client_images.js';
import { encodeDataset, encodeSource, type DatasetInput, type SourceInput } from './client_sources.js';
import type { Connection } from './connection.js';
import type { NetworkName, TrainerInfo, WireBatch, WireFitOptions, WireTranslateOptions, WorkerApi } from './protocol.js';

/** fit()'s options in a worker: the in-thread ones, with datasets as descriptions. */
export interface WorkerFitOptions {
  /** Called at most every `progressIntervalMs` (openWorker's option, default 250), and on the last step. */
  onProgress?: (progress: FitProgress) => unknown;
  /** Aborting stops fit at the next step boundary; it resolves with status 'aborted'. */
  signal?: AbortSignal;
  /** A file path the worker writes (Node), or a function receiving the checkpoint bytes (transferred). */
  checkpoint?: string | ((bytes: Uint8Array) => unknown);
  /** Receives a sample grid (ImageData in browsers) every `sampleInterval` batches. */
  onSample?: (grid: RgbaImage, info: SampleInfo) => unknown;
  sampleDataset?: DatasetInput;
  sampleCount?: number;
  /** Overrides openWorker's progressIntervalMs for this call. */
  progressIntervalMs?: number;
}

/** Where a trainer's training stands (the in-thread trainer's getters). */
export interface TrainerState {
  epoch: number;
  batch: number;
  steps: number;
  lr: number;
}

let nextCancelId = 1;

export class RemoteTrainer {
  readonly options: Readonly<ResolvedCycleGANOptions>;
  private state: TrainerState;
  private disposed = false;

  /** @internal made by CycleGANWorker.createTrainer / resumeTrainer */
  constructor(
    private readonly connection: Connection,
    info: TrainerInfo,
    private readonly copyInputs: boolean,
  ) {
    this.id = info.id;
    this.options = Object.freeze(info.options);
    this.state = { epoch: info.epoch, batch: info.batch, steps: info.steps, lr: info.lr };
  }

  private readonly id: number;

  /** Where training stood after the last call that changed it (step, fit, endEpoch, loadCheckpoint). */
  get epoch(): number {
    return this.state.epoch;
  }

  get batch(): number {
    return this.state.batch;
  }

  get steps(): number {
    return this.state.steps;
  }

  get lr(): number {
    return this.state.lr;
  }

  /** Reads where training stands from the worker. */
  async info(): Promise<TrainerState> {
    return this.update(await this.call('trainer.info', (api) => api.trainerInfo(this.id)));
  }

  /** One training step; realA and realB are batches of the options' size. The arrays you pass are transferred (detached). */
  async step(realA: BatchInput, realB: BatchInput): Promise<StepLosses> {
    const losses = await this.call('trainer.step', async (api) => {
      const list = new TransferList(this.copyInputs);
      const a = await encodeBatch(realA, list, 'CycleGANTrainer.step', 'realA');
      const b = await encodeBatch(realB, list, 'CycleGANTrainer.step', 'realB');
      return api.trainerStep(this.id, list.attach(a.batch), b.batch);
    });
    this.state.steps += 1;
    return losses;
  }

  /** Ends the epoch: steps the LambdaLR schedulers. */
  async endEpoch(): Promise<void> {
    this.update(await this.call('trainer.endEpoch', (api) => api.trainerEndEpoch(this.id)));
  }

  /** Trains to nEpochs on a dataset description (or a BuiltinDataset), as CycleGANTrainer.fit. */
  async fit(dataset: DatasetInput, options: WorkerFitOptions = {}): Promise<FitResult> {
    const { onProgress, signal, checkpoint, onSample, sampleDataset, sampleCount, progressIntervalMs } = options;
    const cancelId = nextCancelId++;
    const flag = sharedAbortFlag();
    if (flag && signal?.aborted) Atomics.store(flag, 0, 1);
    const onAbort = (): void => {
      // Seen by the worker's engine before its next kernel, even in the middle of a step that
      // does not yield to read the cancel message.
      if (flag) Atomics.store(flag, 0, 1);
      // Fire and forget: if the worker is gone, fit itself rejects with the reason.
      this.connection.call('trainer.cancel', (api) => api.cancel(cancelId)).catch(() => {});
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await this.call('trainer.fit', async (api) => {
        const list = new TransferList(this.copyInputs);
        const description = await encodeDataset(dataset, list, 'CycleGANTrainer.fit', 'dataset');
        const wire: WireFitOptions = {
          cancelId,
          aborted: signal?.aborted ?? false,
          abortFlag: flag ? (flag.buffer as SharedArrayBuffer) : undefined,
          checkpointPath: typeof checkpoint === 'string' ? checkpoint : undefined,
          sampleDataset: sampleDataset ? await encodeDataset(sampleDataset, list, 'CycleGANTrainer.fit', 'sampleDataset') : undefined,
          sampleCount,
          progressIntervalMs,
        };
        return api.trainerFit(
          this.id,
          list.attach(description),
          wire,
          onProgress ? proxy(onProgress) : undefined,
          typeof checkpoint === 'function' ? proxy(checkpoint) : undefined,
          onSample ? proxy((grid: RgbaImage, info: SampleInfo) => onSample(toImageResult(grid), info)) : undefined,
        );
      });
      this.state.epoch = result.epoch;
      this.state.batch = result.batch;
      this.state.steps += result.steps;
      return result;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Translates a batch with G_AB ('AtoB') or G_BA ('BtoA'); the result has the input's form
   * (Float32Array, { data, shape }, or images: ImageData in browsers, { data, width, height } in Node).
   * Any image size; large images run in tiles (options.tileSize, options.memoryBudget).
   */
  async translate<T extends BatchInput>(image: T, direction: Direction, options: WireTranslateOptions = {}): Promise<BatchOutput<T>> {
    return this.call('trainer.translate', async (api) => {
      const list = new TransferList(this.copyInputs);
      const x = await encodeBatch(image, list, 'CycleGANTrainer.translate', 'image');
      const y = (await api.trainerTranslate(this.id, list.attach(x.batch), direction, options)) as WireBatch;
      return decodeBatch(y, x.form) as BatchOutput<T>;
    });
  }

  /** The reference's sample grid (rows real A, fake B, real B, fake A) as RGBA pixels. */
  async sampleImages(realA: BatchInput, realB: BatchInput): Promise<RgbaImage> {
    return this.call('trainer.sampleImages', async (api) => {
      const list = new TransferList(this.copyInputs);
      const a = await encodeBatch(realA, list, 'CycleGANTrainer.sampleImages', 'realA');
      const b = await encodeBatch(realB, list, 'CycleGANTrainer.sampleImages', 'realB');
      return toImageResult(await api.trainerSampleImages(this.id, list.attach(a.batch), b.batch));
    });
  }

  /** The whole training state as safetensors bytes (transferred from the worker, not copied). */
  async checkpointBytes(): Promise<Uint8Array> {
    return this.call('trainer.checkpointBytes', (api) => api.trainerCheckpoint(this.id));
  }

  /** Writes the checkpoint to a file from the worker (Node). */
  async saveCheckpoint(path: string): Promise<void> {
    await this.call('trainer.saveCheckpoint', (api) => api.trainerSaveCheckpoint(this.id, path));
  }

  /** Restores a checkpoint (bytes, Blob, URL or path) into this trainer. */
  async loadCheckpoint(source: SourceInput): Promise<void> {
    const info = await this.call('trainer.loadCheckpoint', async (api) => {
      const list = new TransferList(this.copyInputs);
      const wire = await encodeSource(source, list, 'CycleGANTrainer.loadCheckpoint', 'source');
      return api.trainerLoadCheckpoint(this.id, list.attach(wire));
    });
    this.update(info);
  }

  /** One network's weights as safetensors (PyTorch's keys), e.g. saveWeights('G_AB'). */
  async saveWeights(network: NetworkName, options: SaveWeightsOptions = {}): Promise<Uint8Array> {
    return this.call('trainer.saveWeights', (api) => api.trainerSaveWeights(this.id, network, options));
  }

  /** Loads a weight file (safetensors or .pth) into one network, strictly unless told otherwise. */
  async loadWeights(network: NetworkName, source: SourceInput, options: { strict?: boolean } = {}): Promise<void> {
    await this.call('trainer.loadWeights', async (api) => {
      const list = new TransferList(this.copyInputs);
      const wire = await encodeSource(source, list, 'CycleGANTrainer.loadWeights', 'source');
      return api.trainerLoadWeights(this.id, network, list.attach(wire), options);
    });
  }

  /** Frees the trainer's networks and state in the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.connection.isOpen) await this.connection.call('trainer.dispose', (api) => api.trainerDispose(this.id));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private call<T>(name: string, invoke: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new CycleGANError(`${name}: the trainer was disposed`));
    return this.connection.call(name, invoke);
  }

  private update(info: TrainerInfo): TrainerState {
    this.state = { epoch: info.epoch, batch: info.batch, steps: info.steps, lr: info.lr };
    return { ...this.state };
  }
}

/** An abort flag to share with the worker, where SharedArrayBuffer can be sent (not on a page that is not cross-origin isolated). */
function sharedAbortFlag(): Int32Array | null {
  if (typeof SharedArrayBuffer !== 'function') return null;
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) return null;
  return new Int32Array(new SharedArrayBuffer(4));
}
