// Adam: torch.optim.Adam (torch 1.13, single-tensor path, amsgrad off) over a list of
// parameters, one param group. The per-parameter state (step, exp_avg, exp_avg_sq) is created
// lazily on a parameter's first update, as PyTorch does; parameters without a gradient are
// skipped. The arithmetic is the fused adamUpdate op.
import { AttributeError, CycleGANError } from '../errors.js';
import { adamUpdate } from '../ops/adam.js';
import { Tensor } from '../tensor.js';
import { engineOf, type Engine } from '../engine.js';

export interface AdamOptions {
  /** Learning rate (default 1e-3, PyTorch's). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
}

/** One parameter's optimizer state, as in PyTorch's `optimizer.state[p]`. */
export interface AdamParamState {
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
}

/** A plain snapshot of an Adam optimizer (values copied out), for checkpoints. */
export interface AdamStateDict<V = Float32Array> {
  lr: number;
  initialLr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  /** Per parameter, in the optimizer's parameter order; null for a parameter never updated. */
  state: ({ step: number; expAvg: V; expAvgSq: V } | null)[];
}

export class Adam {
  readonly params: readonly Tensor[];
  /** The current learning rate (param_group['lr']); schedulers set it. */
  lr: number;
  /** The learning rate given at construction (param_group['initial_lr'] once a scheduler attaches). */
  readonly initialLr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  private readonly state = new Map<Tensor, AdamParamState>();
  private readonly engine: Engine;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    const where = 'Adam';
    const list = [...params];
    if (list.length === 0) throw new AttributeError(where, 'params', 'a non-empty list of parameters', 'an empty list');
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new AttributeError(where, `params[${i}]`, 'a Tensor', typeof p);
      p.assertAlive(where, `params[${i}]`);
    });
    if (new Set(list).size !== list.length) {
      throw new AttributeError(where, 'params', 'distinct tensors', 'a parameter listed twice');
    }
    const engine = engineOf(list[0]);
    if (list.some((p) => p.engine !== engine)) throw new AttributeError(where, 'params', 'tensors of one engine', 'tensors of two engines');
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0 } = options;
    // PyTorch's constructor checks.
    if (!(typeof lr === 'number' && Number.isFinite(lr) && lr >= 0)) throw new AttributeError(where, 'lr', 'a finite number >= 0', String(lr));
    if (!Array.isArray(betas) || betas.length !== 2) throw new AttributeError(where, 'betas', '[beta1, beta2]', JSON.stringify(betas));
    betas.forEach((b, i) => {
      if (!(typeof b === 'number' && b >= 0 && b < 1)) throw new AttributeError(where, `betas[${i}]`, 'a number in [0, 1)', String(b));
    });
    if (!(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0)) throw new AttributeError(where, 'eps', 'a finite number >= 0', String(eps));
    if (!(typeof weightDecay === 'number' && Number.isFinite(weightDecay) && weightDecay >= 0)) {
      throw new AttributeError(where, 'weightDecay', 'a finite number >= 0', String(weightDecay));
    }
    this.params = Object.freeze(list);
    this.engine = engine;
    this.lr = lr;
    this.initialLr = lr;
    this.betas = [betas[0], betas[1]];
    this.eps = eps;
    this.weightDecay = weightDecay;
  }

  /** Drops every parameter's gradient (PyTorch's zero_grad(set_to_none=True); the next backward writes fresh ones). */
  zeroGrad(): void {
    for (const p of this.params) p.zeroGrad();
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    const [beta1, beta2] = this.betas;
    for (const p of this.params) {
      const g = p.grad;
      if (!g) continue;
      let s = this.state.get(p);
      if (!s) {
        s = {
          step: 0,
          expAvg: this.engine.keep(this.engine.zeros(p.shape)),
          expAvgSq: this.engine.keep(this.engine.zeros(p.shape)),
        };
        this.state.set(p, s);
      }
      s.step += 1;
      adamUpdate(p, g, s.expAvg, s.expAvgSq, {
        lr: this.lr,
        beta1,
        beta2,
        eps: this.eps,
        weightDecay: this.weightDecay,
        step: s.step,
      });
    }
  }

  /** The state of one parameter, or undefined before its first update. */
  stateOf(param: Tensor): Readonly<AdamParamState> | undefined {
    return this.state.get(param);
  }

  /** A copy of the optimizer's hyperparameters and state, values read from the backend. */
  async stateDict(): Promise<AdamStateDict> {
    return this.stateDictWith((t) => t.data());
  }

  /** @internal The state dict with each moment's values as `read` gives them (a checkpoint streamed from the heap). */
  async stateDictWith<V>(read: (t: Tensor) => V | Promise<V>): Promise<AdamStateDict<V>> {
    const state: AdamStateDict<V>['state'] = [];
    for (const p of this.params) {
      const s = this.state.get(p);
      state.push(s ? { step: s.step, expAvg: await read(s.expAvg), expAvgSq: await read(s.expAvgSq) } : null);
    }
    return {
      lr: this.lr,
      initialLr: this.initialLr,
      betas: [...this.betas],
      eps: this.eps,
      weightDecay: this.weightDecay,
      state,
    };
  }

  /**
   * Checks a state dict against this optimizer (parameter count, shapes, hyperparameters) and
   * returns a function that applies it. Nothing changes until that function runs, so callers
   * can validate several optimizers before touching any.
   */
  prepareLoad(dict: AdamStateDict, where = 'Adam.loadStateDict'): () => void {
    if (!dict || !Array.isArray(dict.state)) throw new CycleGANError(`${where}: not an Adam state dict`);
    if (dict.state.length !== this.params.length) {
      throw new CycleGANError(`${where}: the state has ${dict.state.length} parameters, this optimizer ${this.params.length}`);
    }
    dict.state.forEach((s, i) => {
      if (s === null) return;
      const n = this.params[i].size;
      if (!Number.isInteger(s.step) || s.step < 1) throw new CycleGANError(`${where}: parameter ${i} has step ${s.step}`);
      if (s.expAvg.length !== n || s.expAvgSq.length !== n) {
        throw new CycleGANError(
          `${where}: parameter ${i} has ${n} elements, its saved moments ${s.expAvg.length} and ${s.expAvgSq.length}`,
        );
      }
    });
    if (!(typeof dict.lr === 'number' && Number.isFinite(dict.lr) && dict.lr >= 0)) {
      throw new CycleGANError(`${where}: invalid learning rate ${dict.lr}`);
    }
    return () => {
      this.lr = dict.lr;
      this.params.forEach((p, i) => {
        const s = dict.state[i];
        const old = this.state.get(p);
        if (s === null) {
          if (old) {
            old.expAvg.dispose();
            old.expAvgSq.dispose();
            this.state.delete(p);
          }
          return;
        }
        const cur = old ?? {
          step: 0,
          expAvg: this.engine.keep(this.engine.zeros(p.shape)),
          expAvgSq: this.engine.keep(this.engine.zeros(p.shape)),
        };
        cur.step = s.step;
        this.engine.assign(cur.expAvg, s.expAvg);
        this.engine.assign(cur.expAvgSq, s.expAvgSq);
        this.state.set(p, cur);
      });
    };
  }

  loadStateDict(dict: AdamStateDict): void {
    this.prepareLoad(dict)();
  }

  /** Frees the moment buffers (not the parameters). */
  dispose(): void {
    for (const s of this.state.values()) {
      s.expAvg.dispose();
      s.expAvgSq.dispose();
    }
    this.state.clear();
  }
}
