// WGSL kernels of the mean-reduced losses and their gradients (kernels/mse_loss*.wgsl, l1_loss*).
import type { WgslKernelTable } from '../spec.js';
import { IN, OUT, f32, perElement, reduction, reductionScratch } from './common.js';

export const lossKernels: WgslKernelTable = {
  mseLoss: { scratch: (a) => reductionScratch(a.n), passes: (a) => reduction('mse_loss', a.n, [0, 1]) },
  l1Loss: { scratch: (a) => reductionScratch(a.n), passes: (a) => reduction('l1_loss', a.n, [0, 1]) },
  // norm = float32(2/n) as assembly/loss.ts forms it.
  mseLossGrad: { passes: (a) => [perElement('mse_loss_grad', a.n, [IN(0), IN(1), IN(2), OUT(0)], [f32(2 / a.n)])] },
  l1LossGrad: { passes: (a) => [perElement('l1_loss_grad', a.n, [IN(0), IN(1), IN(2), OUT(0)], [f32(a.n)])] },
};
