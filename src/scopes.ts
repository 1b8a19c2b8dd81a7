// The tidy() scopes of an engine: each scope collects the tensors created while it is open,
// and disposes them when it closes, except those returned from it or taken out with remove().
import { CycleGANError } from './errors.js';
import { Tensor } from './tensor.js';

export class ScopeStack {
  private readonly scopes: Set<Tensor>[] = [];

  /** Registers a new tensor with the innermost open scope, if any. */
  add(t: Tensor): void {
    this.scopes[this.scopes.length - 1]?.add(t);
  }

  /** Takes t out of every open scope (it is kept, disposed, or owned by something else). */
  remove(t: Tensor): void {
    for (const s of this.scopes) s.delete(t);
  }

  /**
   * Runs fn in a new scope. What fn created is disposed when it returns, except the tensors it
   * returns (a tensor, or tensors in an array or plain object), which move to the outer scope.
   */
  run<T>(fn: () => T): T {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.scopes.pop();
      for (const t of scope) t.dispose();
      throw e;
    }
    this.scopes.pop();
    if (result instanceof Promise) {
      for (const t of scope) t.dispose();
      throw new CycleGANError('tidy: fn must be synchronous; await outside of tidy');
    }
    const kept = new Set<Tensor>();
    collectTensors(result, kept);
    for (const t of scope) {
      if (kept.has(t)) this.add(t);
      else t.dispose();
    }
    return result;
  }
}

function collectTensors(value: unknown, out: Set<Tensor>): void {
  if (value instanceof Tensor) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out);
  }
}
