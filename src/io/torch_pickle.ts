// What a torch state_dict pickle may name, and how its storages and tensors are rebuilt
// without torch: the allow-list handed to the restricted unpickler, storage records made by
// the containers' persistent_load, tensor records made by `_rebuild_tensor_v2`, and the final
// gather of each tensor's elements from its storage with every index checked.
import { TORCH_STORAGE_DTYPE, decodeToFloat32, type WeightDType } from './dtype.js';
import { WeightFormatError, type WeightErrorPlace, type WeightFormat } from './errors.js';
import { PyDict, PyGlobal, type PyValue } from './pickle.js';
import { emptyTensorMap, safeNumel, type TensorMap } from './tensors.js';

/** A storage named by a persistent id; its bytes are attached once the container yields them. */
export class StorageRef {
  bytes: Uint8Array | null = null;
  private decoded: Float32Array | null = null;
  constructor(
    readonly key: string,
    readonly dtype: WeightDType,
    readonly numel: number,
    /** For a legacy view storage: the root storage and this view's element offset in it. */
    readonly root: { storage: StorageRef; offset: number } | null = null,
  ) {}

  /** Elements as float32 (decoded once, shared by every tensor on this storage). */
  values(format: WeightFormat, littleEndian: boolean): Float32Array {
    if (this.root) {
      const all = this.root.storage.values(format, littleEndian);
      return all.subarray(this.root.offset, this.root.offset + this.numel);
    }
    if (!this.decoded) {
      if (!this.bytes) throw new WeightFormatError(format, 'storage data was never found in the file', { key: this.key });
      this.decoded = decodeToFloat32(this.bytes, 0, this.numel, this.dtype, littleEndian);
    }
    return this.decoded;
  }
}

/** A tensor made by `_rebuild_tensor_v2(storage, offset, size, stride, ...)`. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}

function isTuple(v: PyValue): v is PyValue[] {
  return Array.isArray(v) && Object.isFrozen(v);
}

function intList(v: PyValue, what: string, fail: (d: string) => never): number[] {
  if (!Array.isArray(v) || v.length > 64) fail(`${what} must be a tuple of at most 64 ints`);
  const out = (v as PyValue[]).map((x) => (typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 ? x : -1));
  if (out.includes(-1)) fail(`${what} holds a value that is not a non-negative int`);
  return out;
}

/** The globals a state_dict pickle needs; every other name is refused by the unpickler. */
export function stateDictGlobals(format: WeightFormat): Map<string, PyGlobal> {
  const at = (offset: number) => (detail: string): never => {
    throw new WeightFormatError(format, detail, { offset });
  };
  const globals = new Map<string, PyGlobal>();
  const add = (name: string, call?: (args: readonly PyValue[], offset: number) => PyValue): void => {
    globals.set(name, new PyGlobal(name, call));
  };
  add('collections.OrderedDict', (args, offset) => {
    const d = new PyDict();
    if (args.length === 0) return d;
    const items = args[0];
    if (args.length !== 1 || !Array.isArray(items)) at(offset)('OrderedDict takes one list of pairs');
    for (const pair of items as PyValue[]) {
      if (!Array.isArray(pair) || pair.length !== 2) at(offset)('OrderedDict items must be pairs');
      d.map.set((pair as PyValue[])[0], (pair as PyValue[])[1]);
    }
    return d;
  });
  const rebuild = (args: readonly PyValue[], offset: number): PyValue => {
    const fail = at(offset);
    if (args.length < 4) fail(`_rebuild_tensor takes (storage, offset, size, stride, ...), got ${args.length} arguments`);
    const [storage, off, size, stride] = args;
    if (!(storage instanceof StorageRef)) fail('_rebuild_tensor: first argument is not a storage');
    if (typeof off !== 'number' || !Number.isSafeInteger(off) || off < 0) fail('_rebuild_tensor: bad storage offset');
    const sz = intList(size, 'tensor size', fail);
    const st = intList(stride, 'tensor stride', fail);
    if (st.length !== sz.length) fail(`tensor size ${JSON.stringify(sz)} and stride ${JSON.stringify(st)} differ in rank`);
    return new TensorRef(storage as StorageRef, off as number, sz, st);
  };
  add('torch._utils._rebuild_tensor_v2', rebuild);
  add('torch._utils._rebuild_tensor', rebuild);
  // A saved nn.Parameter: (tensor, requires_grad, hooks[, state]); the tensor is what we keep.
  const param = (args: readonly PyValue[], offset: number): PyValue => {
    if (!(args[0] instanceof TensorRef)) at(offset)('_rebuild_parameter: first argument is not a tensor');
    return args[0];
  };
  add('torch._utils._rebuild_parameter', param);
  add('torch._utils._rebuild_parameter_with_state', param);
  for (const name of Object.keys(TORCH_STORAGE_DTYPE)) add(`torch.${name}`);
  // Inert dtype names, should a checkpoint carry one as a value.
  for (const name of ['float32', 'float16', 'bfloat16', 'float64', 'int64', 'int32', 'uint8', 'bool']) add(`torch.${name}`);
  return globals;
}

/** Checks a persistent id's common part and returns (storage dtype, key, numel, rest). */
export function parseStoragePid(
  pid: PyValue,
  format: WeightFormat,
  place: WeightErrorPlace,
): { dtype: WeightDType; key: string; numel: number; rest: PyValue[] } {
  const fail = (detail: string): never => {
    throw new WeightFormatError(format, detail, place);
  };
  if (!isTuple(pid) || pid.length < 5) fail('persistent id is not a storage record tuple');
  const [kind, type, key, , numel, ...rest] = pid as PyValue[];
  if (kind === 'module') fail('the file pickles a whole nn.Module (torch.save(model)); save model.state_dict() instead');
  if (kind !== 'storage') fail(`persistent id of kind ${JSON.stringify(kind)} is not a storage`);
  if (!(type instanceof PyGlobal)) fail('storage type is not a torch storage class');
  const dtype = TORCH_STORAGE_DTYPE[(type as PyGlobal).qualname.replace(/^torch\./, '')];
  if (!dtype) fail(`'${(type as PyGlobal).qualname}' is not a storage type`);
  if (typeof key !== 'string' || key.length === 0 || key.length > 256) fail('storage key is not a short string');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) fail('storage element count is not an int');
  return { dtype, key: key as string, numel: numel as number, rest };
}

export interface FlattenResult {
  tensors: TensorMap;
  metadata: Record<string, string>;
  notes: string[];
}

/** The tensors a pickle describes (shapes and storage places, no data yet), its scalars and notes. */
export interface CollectResult {
  refs: Map<string, TensorRef>;
  metadata: Record<string, string>;
  notes: string[];
}

/**
 * Walks the unpickled object: a state_dict gives its keys; a checkpoint dict nesting
 * state_dicts (`{'state_dict': {...}, 'epoch': 3}`) gives dotted keys (`state_dict.model.1.weight`)
 * and its scalars become metadata strings. A pickle can reference one object many times for
 * two bytes each, so the walk is bounded: each dict or list is expanded once (a second
 * reference is skipped with a note, which also stops cycles and exponential sharing), nesting
 * stops at 32 levels, and the tensors may not add up to more than 4x the elements the file
 * stores (tied weights share storage; a million keys on one storage is an attack).
 * Only shapes are read here, so a caller can judge them before any storage is inflated.
 */
export function collectStateDict(root: PyValue, format: WeightFormat, storedElements: number): CollectResult {
  const refs = new Map<string, TensorRef>();
  const metadata = Object.create(null) as Record<string, string>;
  const skipped = new Map<string, number>();
  const skip = (why: string): void => {
    skipped.set(why, (skipped.get(why) ?? 0) + 1);
  };
  const expanded = new Set<object>();
  const budget = 4 * storedElements + (1 << 20);
  let produced = 0;
  if (!(root instanceof PyDict)) {
    throw new WeightFormatError(format, `the file holds ${root instanceof TensorRef ? 'a single tensor' : 'no dict'}, not a state_dict`);
  }
  const walk = (v: PyValue, key: string, depth: number): void => {
    if (depth > 32) throw new WeightFormatError(format, 'nesting deeper than 32 levels', { key });
    if (v instanceof TensorRef) {
      produced += v.size.reduce((a, d) => a * d, 1);
      if (produced > budget) {
        throw new WeightFormatError(format, `tensors add up to more than ${budget} elements for ${storedElements} stored`, { key });
      }
      refs.set(key, v);
      return;
    }
    if (v instanceof PyDict || Array.isArray(v)) {
      if (expanded.has(v)) return skip('a dict or list referenced a second time');
      expanded.add(v);
      const items: [PyValue, PyValue][] = v instanceof PyDict ? [...v.map] : (v as PyValue[]).map((x, i) => [i, x]);
      for (const [k, child] of items) {
        if (typeof k !== 'string' && typeof k !== 'number') skip('an entry whose key is not a string');
        else walk(child, key ? `${key}.${k}` : String(k), depth + 1);
      }
      return;
    }
    if (v === null || ['number', 'string', 'boolean', 'bigint'].includes(typeof v)) {
      metadata[key] = v === null ? 'None' : String(v);
      return;
    }
    skip('a value that is not a tensor, dict, list or scalar');
  };
  walk(root, '', 0);
  const notes = [...skipped].map(([why, n]) => `skipped ${n} x ${why}`);
  return { refs, metadata, notes };
}

/** Every collected tensor's elements as float32, once the storages hold their bytes. */
export function gatherTensors(refs: Map<string, TensorRef>, format: WeightFormat, littleEndian: boolean): TensorMap {
  const tensors = emptyTensorMap();
  for (const [key, ref] of refs) tensors[key] = { data: gather(ref, key, format, littleEndian), shape: ref.size, dtype: ref.storage.dtype };
  return tensors;
}

/** The tensors' shapes, for a ShapeInspector. */
export function shapesOf(refs: Map<string, TensorRef>): Record<string, { shape: number[] }> {
  const out = Object.create(null) as Record<string, { shape: number[] }>;
  for (const [key, ref] of refs) out[key] = { shape: [...ref.size] };
  return out;
}

/** collectStateDict then gatherTensors, for storages that already hold their bytes. */
export function flattenStateDict(
  root: PyValue,
  format: WeightFormat,
  littleEndian: boolean,
  storedElements: number,
): FlattenResult {
  const { refs, metadata, notes } = collectStateDict(root, format, storedElements);
  return { tensors: gatherTensors(refs, format, littleEndian), metadata, notes };
}

/** A tensor's elements in row-major order, every index checked against its storage. */
function gather(t: TensorRef, key: string, format: WeightFormat, littleEndian: boolean): Float32Array {
  const fail = (detail: string): never => {
    throw new WeightFormatError(format, detail, { key });
  };
  const n = safeNumel(t.size);
  const s = t.storage;
  if (n < 0) fail(`tensor size ${JSON.stringify(t.size)} is too large`);
  // No expanded views: a tensor never has more elements than its storage, so a small file
  // cannot ask for a large allocation.
  if (n > s.numel) fail(`tensor of ${n} elements on a storage of ${s.numel}`);
  if (n === 0) return new Float32Array(0);
  let last = t.offset;
  for (let d = 0; d < t.size.length; d++) last += (t.size[d] - 1) * t.stride[d];
  if (last >= s.numel) fail(`tensor reaches element ${last} of a storage of ${s.numel} (offset ${t.offset}, stride ${JSON.stringify(t.stride)})`);
  const src = s.values(format, littleEndian);
  // Contiguous (the usual case): one slice.
  let contiguous = true;
  for (let d = t.size.length - 1, expect = 1; d >= 0; d--) {
    if (t.size[d] !== 1 && t.stride[d] !== expect) contiguous = false;
    expect *= t.size[d];
  }
  if (contiguous) return src.slice(t.offset, t.offset + n);
  const out = new Float32Array(n);
  const rank = t.size.length;
  const idx = new Array<number>(rank).fill(0);
  let p = t.offset;
  for (let i = 0; i < n; i++) {
    out[i] = src[p];
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d] < t.size[d]) {
        p += t.stride[d];
        break;
      }
      p -= (t.size[d] - 1) * t.stride[d];
      idx[d] = 0;
    }
  }
  return out;
}
