// A model loaded in a worker: one generator per direction it translates (a checkpoint gives
// both, a single generator file one), with translate, weights in and out, and dispose.
import type { Remote } from 'comlink';
import type { Direction } from '../cyclegan/trainer.js';
import type { ModelSpec } from '../cyclegan/weights/architectures.js';
import type { SaveWeightsOptions } from '../cyclegan/weights/save.js';
import { CycleGANError } from '../errors.js';
import { decodeBatch, encodeBatch, TransferList, type BatchInput, type BatchOutput } from './client_images.js';
import { encodeSource, type SourceInput } from './client_sources.js';
import type { Connection } from './connection.js';
import type { ModelInfo, WireBatch, WireTranslateOptions, WorkerApi } from './protocol.js';

export class RemoteModel {
  /** The directions translate() takes: both for a checkpoint, one for a single generator. */
  readonly directions: readonly Direction[];
  /** The network behind each direction (kind and constructor options). */
  readonly specs: Readonly<Partial<Record<Direction, ModelSpec>>>;
  /** Lines about keys skipped or adjusted while loading (ignored running stats, ...). */
  readonly notes: readonly string[];
  private readonly id: number;
  private disposed = false;

  /** @internal made by CycleGANWorker.loadModel */
  constructor(
    private readonly connection: Connection,
    info: ModelInfo,
    private readonly copyInputs: boolean,
  ) {
    this.id = info.id;
    this.directions = Object.freeze([...info.directions]);
    this.specs = Object.freeze({ ...info.specs });
    this.notes = Object.freeze([...info.notes]);
  }

  /**
   * Translates a batch (inputs in [-1, 1], or 8-bit images) in `direction`, which may be left
   * out when the model holds one generator; a direction it does not hold is an error. The
   * result has the input's form and size (any size; large images run in tiles: options).
   */
  async translate<T extends BatchInput>(image: T, direction?: Direction, options: WireTranslateOptions = {}): Promise<BatchOutput<T>> {
    return this.call('model.translate', async (api) => {
      const list = new TransferList(this.copyInputs);
      const x = await encodeBatch(image, list, 'model.translate', 'image');
      const y = (await api.modelTranslate(this.id, list.attach(x.batch), direction, options)) as WireBatch;
      return decodeBatch(y, x.form) as BatchOutput<T>;
    });
  }

  /** The generator of `direction` as safetensors bytes (transferred from the worker). */
  async saveWeights(direction?: Direction, options: SaveWeightsOptions = {}): Promise<Uint8Array> {
    return this.call('model.saveWeights', (api) => api.modelSaveWeights(this.id, direction, options));
  }

  /** Loads a weight file into the generator of `direction` (strict by default). */
  async loadWeights(source: SourceInput, direction?: Direction, options: { strict?: boolean } = {}): Promise<void> {
    await this.call('model.loadWeights', async (api) => {
      const list = new TransferList(this.copyInputs);
      const wire = await encodeSource(source, list, 'model.loadWeights', 'source');
      return api.modelLoadWeights(this.id, list.attach(wire), direction, options);
    });
  }

  /** Frees the model's networks in the worker. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (this.connection.isOpen) await this.connection.call('model.dispose', (api) => api.modelDispose(this.id));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private call<T>(name: string, invoke: (api: Remote<WorkerApi>) => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new CycleGANError(`${name}: the model was disposed`));
    return this.connection.call(name, invoke);
  }
}
