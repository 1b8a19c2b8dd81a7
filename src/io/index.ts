// Weight files: safetensors read/write, PyTorch .pth import (zip and legacy), key maps.
export { loadWeights, loadModel, saveWeights, saveWeightsAsync, detectFormat } from './load.js';
export type { LoadedWeights, LoadModelOptions, SaveWeightsOptions, WeightFileFormat } from './load.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
export type { SafetensorsContents, WriteSafetensorsOptions } from './safetensors.js';
export { readPthZip, readPthLegacy } from './pth.js';
export { inferSpec } from './keymap.js';
export { buildModel, specOf } from './architectures.js';
export type { ModelSpec, ModelKind, CycleGANModel, CycleGanModel } from './architectures.js';
export type { WeightSource } from './source.js';
export type { TensorMap, WeightTensor } from './tensors.js';
export type { WeightDType } from './dtype.js';
export { WeightFormatError, UnsafePickleError, ArchitectureError, WeightSourceError } from './errors.js';
export type { WeightFormat, WeightErrorPlace } from './errors.js';
