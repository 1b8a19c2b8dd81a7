// Turns what a user hands loadWeights into bytes: bytes themselves, a Blob/File, a fetch
// Response, a URL, or (in Node) a file path. Node's fs is imported lazily through a computed
// specifier so that browser bundles neither include nor try to resolve it.
import { WeightSourceError } from './errors.js';
import { FileKindError, readRegularFile } from './read_file.js';

export type WeightSource = ArrayBuffer | ArrayBufferView | Blob | Response | URL | string;

const isNode = (): boolean =>
  typeof process !== 'undefined' && typeof (process as { versions?: { node?: string } }).versions?.node === 'string';

async function readFileNode(path: string | URL, label: string): Promise<Uint8Array> {
  if (!isNode()) throw new WeightSourceError(label, 'file paths need Node.js; in a browser pass a URL, Response, Blob or bytes');
  try {
    // Regular files only, read to the size they had when opened: never /dev/zero or a FIFO.
    return await readRegularFile(path);
  } catch (e) {
    throw new WeightSourceError(label, e instanceof FileKindError ? `it is ${e.kind}: ${e.reason}` : (e as Error).message);
  }
}

async function fromResponse(res: Response, label: string): Promise<Uint8Array> {
  if (!res.ok) throw new WeightSourceError(label, `HTTP ${res.status} ${res.statusText}`.trim());
  return new Uint8Array(await res.arrayBuffer());
}

async function fetchUrl(url: string, label: string): Promise<Uint8Array> {
  if (typeof fetch !== 'function') throw new WeightSourceError(label, 'fetch() is not available here');
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new WeightSourceError(label, (e as Error).message);
  }
  return fromResponse(res, label);
}

export async function readSource(source: WeightSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Response !== 'undefined' && source instanceof Response) return fromResponse(source, `response ${source.url || ''}`.trim());
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (source instanceof URL) {
    if (source.protocol === 'file:') return readFileNode(source, source.href);
    return fetchUrl(source.href, source.href);
  }
  if (typeof source === 'string') {
    if (/^(https?|data|blob):/i.test(source)) return fetchUrl(source, source);
    if (/^file:/i.test(source)) return readFileNode(new URL(source), source);
    if (isNode()) return readFileNode(source, source);
    return fetchUrl(source, source); // a relative URL in a browser
  }
  const got = source === null ? 'null' : typeof source === 'object' ? (source as object).constructor?.name ?? 'object' : typeof source;
  throw new WeightSourceError(got, 'expected bytes (ArrayBuffer/Uint8Array), a Blob, a Response, a URL or a file path');
}
