// Optimizers and learning-rate schedules (PyTorch's torch.optim pieces CycleGAN uses).
export { Adam } from './adam.js';
export type { AdamOptions, AdamParamState, AdamStateDict } from './adam.js';
export { LambdaLR, LambdaLRScheduler } from './lambda_lr.js';
export type { HasLearningRate, LambdaLRSchedulerState } from './lambda_lr.js';
