// The losses of PyTorch-GAN's CycleGAN, in the reference's order of operations: GAN = MSE
// against ones/zeros shaped like the discriminator's output, cycle and identity = L1, each pair
// averaged ((a + b) / 2), and loss_G = loss_GAN + lambda_cyc * loss_cycle + lambda_id * loss_identity.
import { add, div, mul } from '../ops/arithmetic.js';
import { l1Loss, mseLoss } from '../ops/loss.js';
import type { Tensor } from '../tensor.js';
import type { Module } from '../nn/module.js';

/** One step's losses, the quantities of the reference's log line. */
export interface StepLosses {
  lossD: number;
  lossG: number;
  lossGAN: number;
  lossCycle: number;
  lossIdentity: number;
}

/** criterion_GAN: mean squared error of the patch scores against a target of ones or zeros. */
export function ganLoss(scores: Tensor, target: Tensor): Tensor {
  return mseLoss(scores, target);
}

/** (a + b) / 2, the reference's averaging of the two directions. */
export function average(a: Tensor, b: Tensor): Tensor {
  return div(add(a, b), 2);
}

export interface GeneratorLosses {
  lossG: Tensor;
  lossGAN: Tensor;
  lossCycle: Tensor;
  lossIdentity: Tensor;
  /** G_AB(real_A) and G_BA(real_B), still in the graph (the discriminators' fakes). */
  fakeB: Tensor;
  fakeA: Tensor;
}

export interface CycleGANNets {
  G_AB: Module;
  G_BA: Module;
  D_A: Module;
  D_B: Module;
}

/** The generators' objective on one batch, exactly as the reference's "Train Generators" block. */
export function generatorLosses(
  nets: CycleGANNets,
  realA: Tensor,
  realB: Tensor,
  valid: Tensor,
  lambdaCyc: number,
  lambdaId: number,
): GeneratorLosses {
  const { G_AB, G_BA, D_A, D_B } = nets;
  // Identity loss
  const lossIdA = l1Loss(G_BA.forward(realA), realA);
  const lossIdB = l1Loss(G_AB.forward(realB), realB);
  const lossIdentity = average(lossIdA, lossIdB);
  // GAN loss
  const fakeB = G_AB.forward(realA);
  const lossGanAB = ganLoss(D_B.forward(fakeB), valid);
  const fakeA = G_BA.forward(realB);
  const lossGanBA = ganLoss(D_A.forward(fakeA), valid);
  const lossGAN = average(lossGanAB, lossGanBA);
  // Cycle loss
  const recovA = G_BA.forward(fakeB);
  const lossCycleA = l1Loss(recovA, realA);
  const recovB = G_AB.forward(fakeA);
  const lossCycleB = l1Loss(recovB, realB);
  const lossCycle = average(lossCycleA, lossCycleB);
  // Total loss
  const lossG = add(add(lossGAN, mul(lossCycle, lambdaCyc)), mul(lossIdentity, lambdaId));
  return { lossG, lossGAN, lossCycle, lossIdentity, fakeB, fakeA };
}

/** A discriminator's loss: (MSE(D(real), valid) + MSE(D(fake), fake)) / 2; `fake` must be detached. */
export function discriminatorLoss(D: Module, real: Tensor, fake: Tensor, validTarget: Tensor, fakeTarget: Tensor): Tensor {
  const lossReal = ganLoss(D.forward(real), validTarget);
  const lossFake = ganLoss(D.forward(fake), fakeTarget);
  return average(lossReal, lossFake);
}
