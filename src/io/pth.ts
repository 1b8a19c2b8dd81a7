// PyTorch `.pth` / `.pt` files, both containers torch.save writes:
// - zip (torch >= 1.6): `<root>/data.pkl` is the pickled object, whose storages are persistent
//   ids `('storage', torch.FloatStorage, key, location, numel)` with raw bytes at
//   `<root>/data/<key>`; `<root>` is whatever the writer named it, `<root>/byteorder` may say
//   'big'.
// - legacy (`_use_new_zipfile_serialization=False`, and every file before torch 1.6): five
//   pickles back to back (magic number, protocol version, sys info, the object, the list of
//   storage keys) and then each storage as an 8-byte little-endian element count and its data.
//   Persistent ids carry a sixth field, (view_key, offset, size) for views of a storage.
import { DTYPE_SIZE, type WeightDType } from './dtype.js';
import { WeightFormatError } from './errors.js';
import { PyDict, unpickle, type PyValue } from './pickle.js';
import { StorageRef, collectStateDict, gatherTensors, parseStoragePid, shapesOf, stateDictGlobals, type FlattenResult } from './torch_pickle.js';
import type { ShapeInspector } from './tensors.js';
import { ZipArchive } from './zip.js';

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

export type PthContents = FlattenResult;

/** Reads a torch >= 1.6 zip checkpoint; `inspect` sees the shapes before any storage is inflated. */
export async function readPthZip(bytes: Uint8Array, inspect?: ShapeInspector): Promise<PthContents> {
  const zip = new ZipArchive(bytes);
  const fail = (detail: string, entry?: string): never => {
    throw new WeightFormatError('pth-zip', detail, { entry });
  };
  const names = [...zip.entries.keys()];
  const pkls = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    const hint = names.some((n) => n.endsWith('/constants.pkl'))
      ? ': this looks like a TorchScript archive (torch.jit.save); save model.state_dict() with torch.save instead'
      : '';
    fail(`expected exactly one '<root>/data.pkl' entry, found ${pkls.length}${hint}`);
  }
  const root = pkls[0].slice(0, -'data.pkl'.length);

  let littleEndian = true;
  const orderEntry = `${root}byteorder`;
  if (zip.entries.has(orderEntry)) {
    const order = new TextDecoder().decode(await zip.read(orderEntry)).trim();
    if (order !== 'little' && order !== 'big') fail(`byteorder is ${JSON.stringify(order.slice(0, 16))}`, orderEntry);
    littleEndian = order === 'little';
  }

  const pklEntry = pkls[0];
  const pkl = await zip.read(pklEntry);
  const storages = new Map<string, StorageRef>();
  const { value } = unpickle(pkl, 0, {
    globals: stateDictGlobals('pth-zip'),
    format: 'pth-zip',
    entry: pklEntry,
    persistentLoad: (pid, offset) => {
      const { dtype, key, numel } = parseStoragePid(pid, 'pth-zip', { offset, entry: pklEntry });
      return sharedStorage(storages, key, dtype, numel, 'pth-zip', { offset, entry: pklEntry });
    },
  });

  const stored = sumElements(storages.values());
  const collected = collectStateDict(value, 'pth-zip', stored);
  inspect?.(shapesOf(collected.refs), collected.metadata);
  // Storages are inflated only for the tensors that use them: a file whose storages claim far
  // more elements than its tensors hold (a small view of a huge DEFLATE'd storage) is refused
  // before anything is inflated.
  let used = 0;
  for (const ref of collected.refs.values()) used += ref.size.reduce((a, d) => a * d, 1);
  if (stored > 4 * used + (1 << 20)) {
    fail(`storages declare ${stored} elements but the tensors use ${used}: refusing to inflate data no tensor needs`);
  }

  for (const s of storages.values()) {
    const entry = `${root}data/${s.key}`;
    if (!zip.entries.has(entry)) fail(`storage '${s.key}' has no data entry`, entry);
    // The size the pickle declared bounds the entry before and while it is inflated (zip bomb).
    const want = s.numel * DTYPE_SIZE[s.dtype];
    const declared = zip.entries.get(entry)!.size;
    if (declared !== want) fail(`declares ${declared} bytes; ${s.numel} ${s.dtype} elements need ${want}`, entry);
    const data = await zip.read(entry, want);
    if (data.length !== want) fail(`holds ${data.length} bytes; ${s.numel} ${s.dtype} elements need ${want}`, entry);
    s.bytes = data;
  }
  return { tensors: gatherTensors(collected.refs, 'pth-zip', littleEndian), metadata: collected.metadata, notes: collected.notes };
}

export function isLegacyPth(bytes: Uint8Array): boolean {
  // PROTO 2, LONG1 of 10 bytes: the magic number's pickle.
  return bytes.length > 3 && bytes[0] === 0x80 && bytes[1] === 0x02 && bytes[2] === 0x8a && bytes[3] === 0x0a;
}

/** Reads a legacy torch stream; `inspect` sees the shapes before any tensor is decoded. */
export function readPthLegacy(bytes: Uint8Array, inspect?: ShapeInspector): PthContents {
  const format = 'pth-legacy';
  const fail = (detail: string, offset?: number, key?: string): never => {
    throw new WeightFormatError(format, detail, { offset, key });
  };
  const plain = { globals: new Map(), format } as const;
  const magic = unpickle(bytes, 0, plain);
  if (magic.value !== LEGACY_MAGIC) fail('magic number missing: not a torch legacy file', 0);
  const proto = unpickle(bytes, magic.end, plain);
  if (proto.value !== LEGACY_PROTOCOL) fail(`protocol version ${String(proto.value)}, expected ${LEGACY_PROTOCOL}`, magic.end);
  const sys = unpickle(bytes, proto.end, plain);
  if (!(sys.value instanceof PyDict)) fail('sys info is not a dict', proto.end);
  const littleEndian = (sys.value as PyDict).map.get('little_endian') !== false;

  const roots = new Map<string, StorageRef>();
  const views = new Map<string, StorageRef>();
  const obj = unpickle(bytes, sys.end, {
    globals: stateDictGlobals(format),
    format,
    persistentLoad: (pid, offset) => {
      const { dtype, key, numel, rest } = parseStoragePid(pid, format, { offset });
      const root = sharedStorage(roots, key, dtype, numel, format, { offset });
      const view = rest.length === 1 ? rest[0] : undefined;
      if (view === undefined) fail('legacy storage record must have 6 fields', offset, key);
      if (view === null) return root;
      const [viewKey, viewOffset, viewSize] = Array.isArray(view) && view.length === 3 ? (view as PyValue[]) : [];
      if (
        typeof viewKey !== 'string' ||
        !Number.isSafeInteger(viewOffset) ||
        !Number.isSafeInteger(viewSize) ||
        (viewOffset as number) < 0 ||
        (viewSize as number) < 0 ||
        (viewOffset as number) + (viewSize as number) > numel
      ) {
        return fail(`storage view ${describeView(view as PyValue)} does not lie inside its storage of ${numel} elements`, offset, key);
      }
      const existing = views.get(viewKey);
      if (existing) {
        if (existing.root?.storage !== root || existing.root.offset !== viewOffset || existing.numel !== viewSize) {
          fail('storage view named twice with different extents', offset, viewKey);
        }
        return existing;
      }
      const v = new StorageRef(viewKey, dtype, viewSize as number, { storage: root, offset: viewOffset as number });
      views.set(viewKey, v);
      return v;
    },
  });
  const keys = unpickle(bytes, obj.end, plain);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    fail('storage key list is not a list of strings', obj.end);
  }

  let pos = keys.end;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const key of keys.value as string[]) {
    const s = roots.get(key);
    if (!s) fail('storage listed in the file but never used by the object', pos, key);
    if (s!.bytes) fail('storage listed twice', pos, key);
    if (pos + 8 > bytes.length) fail('file ends before the storage size: truncated', pos, key);
    // The count is in the writer's byte order, like the data.
    const lo = view.getUint32(pos + (littleEndian ? 0 : 4), littleEndian);
    const hi = view.getUint32(pos + (littleEndian ? 4 : 0), littleEndian);
    const count = hi * 2 ** 32 + lo;
    if (count !== s!.numel) fail(`storage holds ${count} elements, the object said ${s!.numel}`, pos, key);
    const nbytes = s!.numel * DTYPE_SIZE[s!.dtype];
    if (nbytes > bytes.length - pos - 8) fail(`storage needs ${nbytes} bytes, the file ends ${bytes.length - pos - 8} bytes later: truncated`, pos + 8, key);
    s!.bytes = bytes.subarray(pos + 8, pos + 8 + nbytes);
    pos += 8 + nbytes;
  }
  for (const s of roots.values()) if (!s.bytes) fail('storage used by the object but missing from the key list', pos, s.key);
  const collected = collectStateDict(obj.value, format, sumElements(roots.values()));
  inspect?.(shapesOf(collected.refs), collected.metadata);
  const out = { tensors: gatherTensors(collected.refs, format, littleEndian), metadata: collected.metadata, notes: collected.notes };
  if (pos !== bytes.length) out.notes.push(`ignored ${bytes.length - pos} bytes after the last storage`);
  return out;
}

/** One StorageRef per key; a key seen again must agree on dtype and size. */
function sharedStorage(
  storages: Map<string, StorageRef>,
  key: string,
  dtype: WeightDType,
  numel: number,
  format: 'pth-zip' | 'pth-legacy',
  place: { offset: number; entry?: string },
): StorageRef {
  const existing = storages.get(key);
  if (existing) {
    if (existing.dtype !== dtype || existing.numel !== numel) {
      throw new WeightFormatError(format, `storage named twice with different types or sizes`, { ...place, key });
    }
    return existing;
  }
  const s = new StorageRef(key, dtype, numel);
  storages.set(key, s);
  return s;
}

function sumElements(storages: Iterable<StorageRef>): number {
  let n = 0;
  for (const s of storages) n += s.numel;
  return n;
}

function describeView(v: PyValue): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));
  } catch {
    return 'record';
  }
}
