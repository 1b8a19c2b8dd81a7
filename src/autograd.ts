// Reverse-mode autograd over the tape of GradNodes that ops attach to their outputs.
import { AutogradError, ShapeError } from './errors.js';
import type { KernelAttrs } from './kernels/contract.js';
import { formatShape, shapesEqual, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/**
 * What backward needs of the engine, which passes itself (engine._backward). An interface of
 * its own, so that this module does not import the engine that imports it.
 */
export interface BackwardEngine {
  noGrad<T>(fn: () => T): T;
  ones(shape: Shape): Tensor;
  keep<T extends Tensor>(t: T): T;
  _view(t: Tensor, shape: Shape, requiresGrad: boolean): Tensor;
  runKernel(op: string, kernel: 'add', inputs: readonly (Tensor | null)[], outShapes: readonly (Shape | null)[], attrs: KernelAttrs['add']): Tensor[];
}

/** Tensors reachable from root through nodes that require grad, inputs before outputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: generator graphs are deep enough to strain the call stack.
  const stack: [Tensor, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const next = inputs[i];
      if (next && next.requiresGrad && !visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}

function addInto(engine: BackwardEngine, a: Tensor, b: Tensor): Tensor {
  const [out] = engine.runKernel('backward', 'add', [a, b], [a.shape], {
    n: a.size,
    broadcastA: false,
    broadcastB: false,
  });
  a.dispose();
  b.dispose();
  return out;
}

export function runBackward(engine: BackwardEngine, root: Tensor, gradient: Tensor | undefined, retainGraph: boolean): void {
  root.assertAlive('backward', 'tensor');
  if (!root.requiresGrad) {
    throw new AutogradError('backward: the tensor does not require grad and has no grad_fn');
  }
  if (gradient === undefined && root.size !== 1) {
    throw new ShapeError('backward', 'tensor', 'one element when no gradient is given', formatShape(root.shape));
  }
  if (gradient !== undefined) {
    gradient.assertAlive('backward', 'gradient');
    if (!shapesEqual(gradient.shape, root.shape)) {
      throw new ShapeError('backward', 'gradient', formatShape(root.shape), formatShape(gradient.shape));
    }
  }
  const order = topologicalOrder(root);
  for (const t of order) {
    if (t.gradFn?.released) {
      throw new AutogradError(
        `backward: the graph through '${t.gradFn.op}' was already freed by an earlier backward(); ` +
          'pass { retainGraph: true } to the first call to backward twice',
      );
    }
  }

  engine.noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    // Every gradient tensor object is held in exactly one place, so it can be disposed
    // safely; a backward rule that returns the same tensor twice gets a view for the second.
    const handed = new Set<Tensor>();
    const own = (g: Tensor): Tensor => {
      if (handed.has(g)) g = engine._view(g, g.shape, false);
      handed.add(g);
      return g;
    };
    const rootGrad = gradient ? engine._view(gradient, gradient.shape, false) : engine.ones(root.shape);
    grads.set(root, own(rootGrad));

    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      // g is owned here now (it may be a sum made by addInto): a rule that passes it on
      // unchanged (add, reshape) must hand out a view, since g is disposed below.
      handed.add(g);
      const node = t.gradFn;
      if (!node) {
        // A leaf: accumulate into .grad, which outlives any tidy() scope.
        engine.keep(g);
        t.grad = t.grad ? engine.keep(addInto(engine, t.grad, g)) : g;
        continue;
      }
      const inputGrads = node.backward(g);
      const stored = new Set<Tensor>();
      node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!gi || !input || !input.requiresGrad) return;
        if (!shapesEqual(gi.shape, input.shape)) {
          throw new AutogradError(
            `backward of '${node.op}': gradient for input ${i} has shape ${formatShape(gi.shape)}, ` +
              `expected ${formatShape(input.shape)}`,
          );
        }
        stored.add(gi);
        const owned = own(gi);
        const prev = grads.get(input);
        grads.set(input, prev ? addInto(engine, prev, owned) : owned);
      });
      // Gradients for inputs that need none are dropped; g itself was handed on as views.
      for (const gi of inputGrads) if (gi && gi !== g && !stored.has(gi)) gi.dispose();
      g.dispose();
      if (!retainGraph) {
        // What the rule saved is freed as soon as it ran, so activations go as backward passes.
        node.released = true;
        for (const o of node.owned) o.dispose();
        node.owned.length = 0;
      }
    }
  });
}
