// Argument checks for module constructors: each throws an AttributeError naming the module
// and the argument.
import { Engine } from '../engine.js';
import { AttributeError } from '../errors.js';
import { checkInt, checkNumber, checkPair, describeValue } from '../ops/checks.js';

export { checkInt, checkNumber, checkPair, describeValue };

export function checkBool(where: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new AttributeError(where, arg, 'a boolean', describeValue(v));
  return v;
}

/** A padding given as one integer or [left, right, top, bottom], returned as the four. */
export function checkPad4(where: string, arg: string, v: unknown): [number, number, number, number] {
  if (Array.isArray(v)) {
    if (v.length !== 4) {
      throw new AttributeError(where, arg, 'an integer or [left, right, top, bottom] of integers >= 0', JSON.stringify(v));
    }
    return [checkInt(where, arg, v[0], 0), checkInt(where, arg, v[1], 0), checkInt(where, arg, v[2], 0), checkInt(where, arg, v[3], 0)];
  }
  const p = checkInt(where, arg, v, 0);
  return [p, p, p, p];
}

/** An options argument: undefined becomes {}, anything but a plain object is refused. */
export function checkOptions<T extends object>(where: string, v: T | undefined): T {
  if (v === undefined) return {} as T;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    throw new AttributeError(where, 'options', 'an options object', v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
  }
  return v;
}

/** The engine argument of a module that owns parameters. */
export function checkEngine(where: string, engine: unknown): Engine {
  if (!(engine instanceof Engine)) {
    throw new AttributeError(where, 'engine', 'an Engine (from createEngine())', engine === null ? 'null' : typeof engine);
  }
  return engine;
}
