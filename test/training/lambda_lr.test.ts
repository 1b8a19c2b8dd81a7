// The learning-rate schedule: PyTorch-GAN's LambdaLR decay rule driven by
// torch.optim.lr_scheduler.LambdaLR, stepped once per epoch. The reference values come from a
// live PyTorch run (skipped without torch, failed under CI=true); the rule itself is also
// checked against its formula, and the trainer's three optimizers follow it through endEpoch().
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeError, createEngine, type Engine } from '../../src/index.js';
import { LambdaLR, LambdaLRScheduler } from '../../src/optim/lambda_lr.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';
import { probeTorch, runTorch } from './helpers.js';

const torch = probeTorch();
const CASES = [
  { n_epochs: 10, epoch: 0, decay_epoch: 5, lr: 0.0002 },
  { n_epochs: 10, epoch: 3, decay_epoch: 5, lr: 0.0002 },
  { n_epochs: 10, epoch: 7, decay_epoch: 5, lr: 0.0002 },
  { n_epochs: 200, epoch: 0, decay_epoch: 100, lr: 0.0002 },
  { n_epochs: 7, epoch: 0, decay_epoch: 0, lr: 0.001 },
];

function schedule(c: (typeof CASES)[number]): number[] {
  const opt = { lr: c.lr, initialLr: c.lr };
  const rule = new LambdaLR(c.n_epochs, c.epoch, c.decay_epoch);
  const sched = new LambdaLRScheduler(opt, (e) => rule.step(e));
  const lrs: number[] = [];
  for (let epoch = c.epoch; epoch < c.n_epochs; epoch++) {
    lrs.push(opt.lr);
    sched.step();
  }
  return lrs;
}

describe('LambdaLR', () => {
  it('nEpochs=10, decayEpoch=5: 1 until epoch 5, then linearly to 0.2 at epoch 9', () => {
    const lrs = schedule(CASES[0]);
    const factors = [1, 1, 1, 1, 1, 1, 0.8, 0.6, 0.4, 0.2];
    expect(lrs).toHaveLength(10);
    lrs.forEach((v, i) => expect(v / 0.0002).toBeCloseTo(factors[i], 12));
    expect(new LambdaLR(10, 0, 5).step(10)).toBe(0);
  });

  it("refuses a decay that starts at or after the end, with the reference's reason", () => {
    expect(() => new LambdaLR(10, 0, 10)).toThrow(AttributeError);
    expect(() => new LambdaLR(10, 0, 12)).toThrow(/decay must start before the training session ends/);
  });

  it('the scheduler state round-trips', () => {
    const opt = { lr: 0.0002, initialLr: 0.0002 };
    const rule = new LambdaLR(10, 0, 5);
    const a = new LambdaLRScheduler(opt, (e) => rule.step(e));
    for (let i = 0; i < 7; i++) a.step();
    const opt2 = { lr: 0.0002, initialLr: 0.0002 };
    const b = new LambdaLRScheduler(opt2, (e) => rule.step(e));
    b.loadStateDict(a.stateDict());
    expect(opt2.lr).toBe(opt.lr);
    expect(b.lastEpoch).toBe(7);
  });

  describe.skipIf(!torch.ok && !torch.required)(`equals torch.optim.lr_scheduler.LambdaLR (${torch.reason})`, () => {
    let expected: { case: (typeof CASES)[number]; lrs: number[] }[];
    beforeAll(() => {
      if (!torch.ok) throw new Error(`CI=true requires PyTorch: ${torch.reason}`);
      const run = runTorch('lambda_lr', { cases: CASES });
      expected = run.json<{ results: typeof expected }>('lambda_lr.json').results;
      run.cleanup();
    });

    for (const [i, c] of CASES.entries()) {
      it(`nEpochs=${c.n_epochs}, epoch=${c.epoch}, decayEpoch=${c.decay_epoch}: every epoch's lr, exactly`, () => {
        expect(expected[i].case).toEqual(c);
        expect(schedule(c)).toEqual(expected[i].lrs);
      });
    }

    describe('through the trainer', () => {
      let engine: Engine;
      beforeAll(async () => {
        engine = await createEngine({ backend: 'wasm' });
      });
      afterAll(() => engine?.dispose());

      it('G, D_A and D_B follow it epoch by epoch (nEpochs=10, decayEpoch=5)', () => {
        const trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0, nEpochs: 10, decayEpoch: 5 });
        const lrs: number[][] = [];
        for (let e = 0; e < 10; e++) {
          expect(trainer.epoch).toBe(e);
          lrs.push([trainer.optimizerG.lr, trainer.optimizerDA.lr, trainer.optimizerDB.lr]);
          trainer.endEpoch();
        }
        expect(lrs).toEqual(expected[0].lrs.map((v) => [v, v, v]));
        trainer.dispose();
      });

      it('a run started at epoch 7 (the reference\'s --epoch) starts decayed', () => {
        const trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0, nEpochs: 10, decayEpoch: 5, epoch: 7 });
        const lrs: number[] = [];
        for (let e = 7; e < 10; e++) {
          lrs.push(trainer.lr);
          trainer.endEpoch();
        }
        expect(lrs).toEqual(expected[2].lrs);
        trainer.dispose();
      });
    });
  });
});
