// The networks' weight files: which network a file holds (metadata or key maps), loadModel
// (file -> built, loaded network) and saveWeights (network -> self-describing safetensors).
export { loadModel } from './load_model.js';
export type { LoadModelOptions } from './load_model.js';
export { saveWeights, saveWeightsAsync } from './save.js';
export type { SaveWeightsOptions } from './save.js';
export { inferSpec } from './keymap.js';
export { buildModel, specOf } from './architectures.js';
export type { ModelSpec, ModelKind, CycleGANModel, CycleGanModel } from './architectures.js';
