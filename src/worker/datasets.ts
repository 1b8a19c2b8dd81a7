// Builds, inside the worker, the dataset a client described (DatasetDescription): a dataset
// object holds loaders and caches that cannot cross a thread boundary, so only its recipe does.
import { AttributeError } from '../errors.js';
import { builtinDataset } from '../data/builtin.js';
import type { UnpairedDataset } from '../data/dataset.js';
import { loadFolderDataset } from '../data/folder.js';
import { InMemoryDataset } from '../data/in_memory.js';
import type { DatasetDescription } from './protocol.js';

export async function buildDataset(description: DatasetDescription, op: string, arg: string): Promise<UnpairedDataset> {
  const kind = (description as { kind?: unknown } | null)?.kind;
  switch (kind) {
    case 'builtin': {
      const { kind: _, ...options } = description as Extract<DatasetDescription, { kind: 'builtin' }>;
      return builtinDataset(options);
    }
    case 'images': {
      const d = description as Extract<DatasetDescription, { kind: 'images' }>;
      return new InMemoryDataset({ A: d.A, B: d.B }, d.options ?? {});
    }
    case 'folder': {
      const { kind: _, root, ...options } = description as Extract<DatasetDescription, { kind: 'folder' }>;
      return loadFolderDataset(root, options);
    }
    default:
      throw new AttributeError(
        op,
        arg,
        "a dataset description: { kind: 'builtin', ... }, { kind: 'images', A, B, options } or { kind: 'folder', root, ... } (a dataset object cannot cross into a worker)",
        JSON.stringify(kind ?? null),
      );
  }
}
