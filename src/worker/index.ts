// The worker API's public surface (re-exported from the package's index).
export { openWorker, CycleGANWorker } from './client.js';
export type { OpenWorkerOptions } from './client.js';
export { RemoteTrainer } from './remote_trainer.js';
export type { WorkerFitOptions, TrainerState } from './remote_trainer.js';
export { RemoteModel } from './remote_model.js';
export { drawToCanvas } from './client_images.js';
export type { BatchInput, BatchOutput, WorkerImage, PixelImage, TensorLike } from './client_images.js';
export type { DatasetInput, SourceInput } from './client_sources.js';
export type { DatasetDescription, LoadModelWireOptions as WorkerLoadModelOptions, NetworkName } from './protocol.js';
export type { WorkerEnd, WorkerUrl } from './spawn.js';
export { WorkerError, WorkerTerminatedError } from './errors.js';
export type { WorkerEndReason } from './errors.js';
