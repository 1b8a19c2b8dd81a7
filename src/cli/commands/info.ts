// `cyclegan-engine info FILE`: what a weight file or training checkpoint holds.
import { Command } from 'commander';
import { NETWORK_NAMES } from '../../cyclegan/checkpoint.js';
import { specFromMetadata } from '../../cyclegan/weights/architectures.js';
import { inferSpec, selectPrefix, stripDataParallel } from '../../cyclegan/weights/keymap.js';
import type { ModelSpec } from '../../cyclegan/weights/architectures.js';
import type { TensorMap } from '../../io/tensors.js';
import type { GlobalOptions } from '../common.js';
import { isCheckpoint, readWeightsFile } from '../weights.js';

function describeSpec(spec: ModelSpec): string {
  return `${spec.kind}(${Object.entries(spec.options)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')})`;
}

function architecture(tensors: TensorMap, metadata: Record<string, string> | null): string {
  try {
    const spec = (metadata ? specFromMetadata(metadata) : null) ?? inferSpec(stripDataParallel(tensors, []));
    return describeSpec(spec);
  } catch (e) {
    return `unknown (${(e as Error).message})`;
  }
}

const count = (tensors: TensorMap): number => Object.values(tensors).reduce((s, t) => s + t.shape.reduce((a, b) => a * b, 1), 0);

export function infoCommand(globals: () => GlobalOptions): Command {
  return new Command('info')
    .description('describe a weight file (safetensors, PyTorch .pth) or training checkpoint: architecture, tensors with shapes, metadata, parameter count')
    .argument('<file>', 'weight file')
    .option('--json', 'print the description as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      void globals;
      const { bytes, weights } = await readWeightsFile(file);
      const { tensors, metadata, format, notes } = weights;
      const ckpt = isCheckpoint(weights);
      const networks: { name: string; architecture: string; parameters: number }[] = [];
      if (ckpt) {
        for (const name of NETWORK_NAMES) {
          try {
            const sub = selectPrefix(tensors, `${name}.`);
            networks.push({ name, architecture: architecture(sub, null), parameters: count(sub) });
          } catch {
            /* not in this file */
          }
        }
      }
      const arch = ckpt ? 'CycleGAN training checkpoint' : architecture(tensors, metadata);
      const list = Object.entries(tensors).map(([k, t]) => ({ name: k, shape: [...t.shape], dtype: t.dtype ?? 'F32' }));
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ file, bytes: bytes.length, format, architecture: arch, networks, parameters: count(tensors), tensors: list, metadata, notes }, null, 2)}\n`,
        );
        return;
      }
      const lines: string[] = [];
      lines.push(`file: ${file} (${bytes.length.toLocaleString('en')} bytes)`);
      lines.push(`format: ${format}`);
      lines.push(`architecture: ${arch}`);
      for (const n of networks) lines.push(`  ${n.name}: ${n.architecture}, ${n.parameters.toLocaleString('en')} parameters`);
      lines.push(`parameters: ${count(tensors).toLocaleString('en')} values in ${list.length} tensors`);
      const meta = Object.entries(metadata);
      lines.push(`metadata:${meta.length ? '' : ' (none)'}`);
      for (const [k, v] of meta) lines.push(`  ${k}: ${v.length > 200 ? `${v.slice(0, 200)}... (${v.length} chars)` : v}`);
      for (const n of notes) lines.push(`note: ${n}`);
      lines.push('tensors:');
      const width = Math.min(60, Math.max(...list.map((t) => t.name.length), 4));
      for (const t of list) lines.push(`  ${t.name.padEnd(width)}  ${t.dtype.padEnd(4)} [${t.shape.join(', ')}]`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
