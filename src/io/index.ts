// Weight files, format by format: safetensors read/write, PyTorch .pth import (zip and legacy),
// the pickle subset they use. Which network a file holds, its key maps, loadModel and
// saveWeights are in src/cyclegan/weights/.
export { loadWeights, detectFormat } from './load.js';
export type { LoadedWeights, WeightFileFormat } from './load.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
export type { SafetensorsContents, WriteSafetensorsOptions } from './safetensors.js';
export { readPthZip, readPthLegacy } from './pth.js';
export type { WeightSource } from './source.js';
export type { TensorMap, WeightTensor } from './tensors.js';
export type { WeightDType } from './dtype.js';
export { WeightFormatError, UnsafePickleError, ArchitectureError, WeightSourceError } from './errors.js';
export type { WeightFormat, WeightErrorPlace } from './errors.js';
