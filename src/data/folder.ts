// Folder datasets in Node, in either layout:
//   PyTorch-GAN (the reference): <root>/train/A, <root>/train/B, <root>/test/A, <root>/test/B
//   original CycleGAN:           <root>/trainA, <root>/trainB, <root>/testA, <root>/testB
// Files are listed once (png/jpg/jpeg, sorted like the reference's sorted(glob(...))) and
// decoded lazily on first use. node:fs and node:path are imported through computed specifiers
// so browser bundles never see them.
import { AttributeError } from '../errors.js';
import type { DatasetOptions } from './dataset.js';
import { DatasetFolderError, UnsupportedImageFormatError } from './errors.js';
import { decodeImage, sniffImageFormat } from './codec.js';
import type { ImageSource } from './source_dataset.js';
import { SourceDataset } from './source_dataset.js';
import { readRegularFile } from '../io/read_file.js';

export type FolderLayout = 'pytorch-gan' | 'cyclegan';

export interface FolderDatasetOptions extends DatasetOptions {
  /** Which split to read (default 'train'). */
  mode?: 'train' | 'test';
  /** Check every file's magic bytes while listing, so a stray non-image fails now (default true). */
  verify?: boolean;
  /** Refuse images over this size when decoding (default 100 megapixels). */
  maxResolutionInMP?: number;
}

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

async function nodeModules(): Promise<{ fs: Fs; path: Path }> {
  const [fsName, pathName] = ['node:fs/promises', 'node:path'];
  const [fs, path] = await Promise.all([import(/* @vite-ignore */ fsName), import(/* @vite-ignore */ pathName)]);
  return { fs: fs as Fs, path: path as Path };
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

async function isDir(fs: Fs, p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Finds the two domain folders of `mode`, or explains exactly which one is missing. */
async function findDomains(fs: Fs, path: Path, root: string, mode: string): Promise<{ layout: FolderLayout; A: string; B: string }> {
  let st;
  try {
    st = await fs.stat(root);
  } catch {
    throw new DatasetFolderError(root, 'missing', 'does not exist');
  }
  if (!st.isDirectory()) throw new DatasetFolderError(root, 'not-a-directory', 'is a file, not a folder');
  const layouts: [FolderLayout, string, string][] = [
    ['pytorch-gan', path.join(root, mode, 'A'), path.join(root, mode, 'B')],
    ['cyclegan', path.join(root, `${mode}A`), path.join(root, `${mode}B`)],
  ];
  for (const [layout, A, B] of layouts) if ((await isDir(fs, A)) && (await isDir(fs, B))) return { layout, A, B };
  for (const [layout, A, B] of layouts) {
    const [hasA, hasB] = [await isDir(fs, A), await isDir(fs, B)];
    if (hasA !== hasB) {
      const [missing, found] = hasA ? [B, A] : [A, B];
      throw new DatasetFolderError(missing, 'missing', `does not exist, but ${found} does (the ${layout} layout needs both domains)`);
    }
  }
  throw new DatasetFolderError(
    root,
    'no-layout',
    `has neither ${mode}/A and ${mode}/B (PyTorch-GAN layout) nor ${mode}A and ${mode}B (original CycleGAN layout)`,
  );
}

async function listImages(fs: Fs, path: Path, dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new DatasetFolderError(dir, 'unreadable', (e as Error).message);
  }
  const names = entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && IMAGE_EXT.test(e.name)).map((e) => e.name);
  if (names.length === 0) {
    const other = entries.length ? ` (it has ${entries.length} other entr${entries.length === 1 ? 'y' : 'ies'})` : '';
    throw new DatasetFolderError(dir, 'empty', `contains no .png, .jpg or .jpeg files${other}`);
  }
  // Code-point order, as Python's sorted() on the reference's glob results.
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return names.map((n) => path.join(dir, n));
}

/** Reads each file's first bytes; a non-image fails here, naming the file. */
async function verifyHeaders(fs: Fs, files: string[]): Promise<void> {
  const head = async (f: string): Promise<void> => {
    let handle;
    try {
      // O_NONBLOCK: a FIFO (or a link to one) named like an image must not hang the open.
      handle = await fs.open(f, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
      if (!(await handle.stat()).isFile()) throw new Error('not a regular file (a device or pipe may never end)');
      const buf = new Uint8Array(16);
      const { bytesRead } = await handle.read(buf, 0, 16, 0);
      const kind = sniffImageFormat(buf.subarray(0, bytesRead));
      if (kind !== 'png' && kind !== 'jpeg') throw new UnsupportedImageFormatError(f, kind);
    } catch (e) {
      if (e instanceof UnsupportedImageFormatError) throw e;
      throw new DatasetFolderError(f, 'unreadable', (e as Error).message);
    } finally {
      await handle?.close();
    }
  };
  // A bounded number of open files at a time.
  for (let i = 0; i < files.length; i += 32) await Promise.all(files.slice(i, i + 32).map(head));
}

function fileSource(fs: Fs, files: string[], maxResolutionInMP?: number): ImageSource {
  return {
    count: files.length,
    name: (i) => files[i],
    load: async (i) => {
      let bytes: Uint8Array;
      try {
        bytes = await readRegularFile(files[i]);
      } catch (e) {
        throw new DatasetFolderError(files[i], 'unreadable', (e as Error).message);
      }
      return decodeImage(bytes, { name: files[i], maxResolutionInMP });
    },
  };
}

/** A dataset over image folders; get() returns a Promise until an image is cached. */
export class FolderDataset extends SourceDataset {
  constructor(
    readonly root: string,
    readonly mode: 'train' | 'test',
    readonly layout: FolderLayout,
    readonly files: { A: readonly string[]; B: readonly string[] },
    sources: { A: ImageSource; B: ImageSource },
    options: DatasetOptions,
  ) {
    super('loadFolderDataset', sources, options);
  }
}

/**
 * Opens `<root>` in the PyTorch-GAN or the original CycleGAN layout (detected) for `mode`.
 * A missing root or domain folder, an empty domain or a non-image file raises a typed error
 * naming the path.
 */
export async function loadFolderDataset(root: string, options: FolderDatasetOptions = {}): Promise<FolderDataset> {
  const mode = options.mode ?? 'train';
  if (mode !== 'train' && mode !== 'test') throw new AttributeError('loadFolderDataset', 'mode', "'train' or 'test'", String(mode));
  if (typeof root !== 'string' || !root) throw new AttributeError('loadFolderDataset', 'root', 'a folder path', String(root));
  const { fs, path } = await nodeModules();
  const dirs = await findDomains(fs, path, root, mode);
  const files = { A: await listImages(fs, path, dirs.A), B: await listImages(fs, path, dirs.B) };
  if (options.verify ?? true) await verifyHeaders(fs, [...files.A, ...files.B]);
  const sources = { A: fileSource(fs, files.A, options.maxResolutionInMP), B: fileSource(fs, files.B, options.maxResolutionInMP) };
  return new FolderDataset(root, mode, dirs.layout, files, sources, options);
}
