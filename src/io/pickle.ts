// A restricted unpickler: just the opcodes a torch state_dict uses, and just the globals it
// names, given by the caller as an allow-list of plain TypeScript functions. A global outside
// the list (`os.system`, `builtins.eval`, ...) is refused the moment its name is read, before
// anything could be looked up; opcodes that build arbitrary objects (INST, OBJ, NEWOBJ, EXT)
// are refused too. There is no code path from a pickle to code execution: the only
// "callables" are the allow-listed handlers, which build inert JavaScript values.
import { UnsafePickleError, WeightFormatError } from './errors.js';

/** A Python dict or OrderedDict. Keys are kept as given (strings in a state_dict). */
export class PyDict {
  readonly map = new Map<PyValue, PyValue>();
  /** Instance state set by BUILD (a state_dict's `_metadata`). */
  state: PyValue = null;
}

/** A global from the allow-list. Values like storage types have no `call`. */
export class PyGlobal {
  constructor(
    readonly qualname: string,
    readonly call?: (args: readonly PyValue[], offset: number) => PyValue,
  ) {}
}

/**
 * Inert values only. Tuples are frozen arrays, lists plain arrays; `object` covers what
 * allow-listed handlers and the persistent loader return (tensor and storage records).
 */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyDict | PyGlobal | object;

export interface UnpickleOptions {
  /** `module.name` -> the global's stand-in. Anything else is refused. */
  globals: ReadonlyMap<string, PyGlobal>;
  /** Resolves a persistent id (torch's storage records); absent: persistent ids are refused. */
  persistentLoad?: (pid: PyValue, offset: number) => PyValue;
  /** Error format label ('pth-zip', 'pth-legacy'). */
  format?: 'pickle' | 'pth-zip' | 'pth-legacy';
  /** Entry name for errors (zip). */
  entry?: string;
}

export interface UnpickleResult {
  value: PyValue;
  /** Offset just past the STOP opcode (the legacy format stores several pickles back to back). */
  end: number;
}

const MAX_LONG_BYTES = 1024;
const MAX_NAME = 512;
const REFUSED_OPCODES: Record<number, string> = {
  0x69: 'INST',
  0x6f: 'OBJ',
  0x81: 'NEWOBJ',
  0x92: 'NEWOBJ_EX',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
};

const MARK = Symbol('mark');

/** Unpickles one object from `bytes` starting at `start`. */
export function unpickle(bytes: Uint8Array, start: number, options: UnpickleOptions): UnpickleResult {
  const fmt = options.format ?? 'pickle';
  const entry = options.entry;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const stack: (PyValue | typeof MARK)[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let pos = start;
  let opAt = start;

  const fail = (detail: string): never => {
    throw new WeightFormatError(fmt, detail, { offset: opAt, entry });
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.length) fail(`pickle truncated: opcode needs ${n} more bytes, file ends at ${bytes.length}`);
    const p = pos;
    pos += n;
    return p;
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) fail('stack underflow');
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK) fail('stack underflow');
    return stack[stack.length - 1] as PyValue;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK on the stack');
    const items = stack.splice(m! + 1) as PyValue[];
    stack.pop(); // the mark itself
    return items;
  };
  const text = (p: number, n: number): string => {
    try {
      return utf8.decode(bytes.subarray(p, p + n));
    } catch {
      return fail('string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const p = pos;
    const end = bytes.indexOf(0x0a, p);
    if (end < 0 || end - p > MAX_NAME) fail('GLOBAL name not terminated by a newline within 512 bytes');
    pos = end + 1;
    const s = text(p, end - p);
    if (!/^[A-Za-z_][\w.]*$/.test(s)) fail(`GLOBAL name ${JSON.stringify(s)} is not a dotted identifier`);
    return s;
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const qualname = `${module}.${name}`;
    const g = options.globals.get(qualname);
    if (!g) {
      throw new UnsafePickleError(
        qualname,
        `refused global '${qualname}': a weight file may only name ${[...options.globals.keys()].join(', ')}`,
        { offset: opAt, entry },
      );
    }
    return g;
  };
  const setItems = (d: PyValue, items: PyValue[]): void => {
    if (!(d instanceof PyDict)) fail('SETITEM(S) on something that is not a dict');
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) (d as PyDict).map.set(items[i], items[i + 1]);
  };
  const appendTo = (l: PyValue, items: PyValue[]): void => {
    if (!Array.isArray(l) || Object.isFrozen(l)) fail('APPEND(S) on something that is not a list');
    for (const it of items) (l as PyValue[]).push(it);
  };
  const memoKey = (k: number): number => {
    if (!memo.has(k)) fail(`memo key ${k} was never stored`);
    return k;
  };
  const long = (p: number, n: number): number | bigint => {
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[p + i]);
    if (bytes[p + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    opAt = pos;
    const op = bytes[need(1)];
    switch (op) {
      case 0x80: { // PROTO
        const v = bytes[need(1)];
        if (v < 2 || v > 5) fail(`pickle protocol ${v} is not supported (2 to 5)`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        need(8);
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail(`STOP with ${stack.length} values on the stack (expected 1)`);
        return { value: stack[0] as PyValue, end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1
        stack.push(bytes[need(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x8a: { // LONG1
        const n = bytes[need(1)];
        stack.push(long(need(n), n));
        break;
      }
      case 0x8b: { // LONG4
        const n = view.getInt32(need(4), true);
        if (n < 0 || n > MAX_LONG_BYTES) fail(`LONG4 of ${n} bytes`);
        stack.push(long(need(n), n));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: { // BINUNICODE
        const n = view.getUint32(need(4), true);
        stack.push(text(need(n), n));
        break;
      }
      case 0x8c: { // SHORT_BINUNICODE
        const n = bytes[need(1)];
        stack.push(text(need(n), n));
        break;
      }
      case 0x8d: { // BINUNICODE8
        const n = u64(view, need(8), fail);
        stack.push(text(need(n), n));
        break;
      }
      case 0x54: { // BINSTRING (Python 2 str), read as UTF-8 like torch.load's default encoding
        const n = view.getInt32(need(4), true);
        stack.push(text(need(n), n));
        break;
      }
      case 0x55: { // SHORT_BINSTRING
        const n = bytes[need(1)];
        stack.push(text(need(n), n));
        break;
      }
      case 0x42: { // BINBYTES
        const n = view.getUint32(need(4), true);
        stack.push(bytes.slice(need(n), pos));
        break;
      }
      case 0x43: { // SHORT_BINBYTES
        const n = bytes[need(1)];
        stack.push(bytes.slice(need(n), pos));
        break;
      }
      case 0x8e: // BINBYTES8
      case 0x96: { // BYTEARRAY8
        const n = u64(view, need(8), fail);
        stack.push(bytes.slice(need(n), pos));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(Object.freeze([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(Object.freeze([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(Object.freeze([pop(), b, c]));
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x64: { // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x61: { // APPEND
        const v = pop();
        appendTo(top(), [v]);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        appendTo(top(), items);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x30: // POP
        if (stack.length && stack[stack.length - 1] === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x71: // BINPUT
        memo.set(bytes[need(1)], top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(need(4), true), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memo.get(memoKey(bytes[need(1)])) as PyValue);
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memo.get(memoKey(view.getUint32(need(4), true))) as PyValue);
        break;
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE: only allow-listed handlers can be "called"
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal) || !fn.call) fail(`REDUCE on ${describe(fn)}, which is not an allowed callable`);
        if (!Array.isArray(args) || !Object.isFrozen(args)) fail('REDUCE arguments must be a tuple');
        stack.push((fn as PyGlobal).call!(args as PyValue[], opAt));
        break;
      }
      case 0x62: { // BUILD: only a dict's instance state (a state_dict's _metadata)
        const state = pop();
        const obj = top();
        if (!(obj instanceof PyDict)) fail(`BUILD on ${describe(obj)}: only dicts take state in a weight file`);
        (obj as PyDict).state = state;
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) fail('persistent id in a pickle that may not have one');
        stack.push(options.persistentLoad!(pid, opAt));
        break;
      }
      default: {
        const refused = REFUSED_OPCODES[op];
        if (refused) {
          throw new UnsafePickleError(refused, `refused opcode ${refused}: weight files never build arbitrary objects`, {
            offset: opAt,
            entry,
          });
        }
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }
}

function u64(view: DataView, at: number, fail: (d: string) => never): number {
  const v = view.getUint32(at, true) + view.getUint32(at + 4, true) * 2 ** 32;
  if (v > view.byteLength) fail(`length ${v} is larger than the file`);
  return v;
}

function describe(v: unknown): string {
  if (v instanceof PyGlobal) return `'${v.qualname}'`;
  if (v instanceof PyDict) return 'a dict';
  if (Array.isArray(v)) return Object.isFrozen(v) ? 'a tuple' : 'a list';
  if (v === null) return 'None';
  return typeof v;
}
