// `cyclegan-engine convert IN.pth OUT.safetensors`: PyTorch weights to safetensors. A known
// network is rebuilt and loaded (so its keys are checked, DataParallel prefixes and
// InstanceNorm running stats dropped) and written with its { kind, options } metadata;
// anything else is copied tensor by tensor.
import { resolve } from 'node:path';
import { Command } from 'commander';
import { loadModel } from '../../cyclegan/weights/load_model.js';
import { writeSafetensors } from '../../io/safetensors.js';
import { inferSpec, stripDataParallel } from '../../cyclegan/weights/keymap.js';
import { CliError } from '../errors.js';
import { writeFileAtomic } from '../files.js';
import { makeEngine, moduleSafetensors, type GlobalOptions } from '../common.js';
import { isCheckpoint, readWeightsFile } from '../weights.js';

export function convertCommand(globals: () => GlobalOptions): Command {
  return new Command('convert')
    .description('convert PyTorch weights (.pth, zip or legacy) to safetensors (or re-write a safetensors file)')
    .argument('<in>', 'input weights (.pth / .pt / .safetensors)')
    .argument('<out>', 'output .safetensors file')
    .option('--raw', 'copy every tensor as it is, without building the network')
    .action(async (input: string, output: string, opts: { raw?: boolean }) => {
      const g = globals();
      if (!/\.safetensors$/i.test(output)) throw new CliError(`output ${output} must end in .safetensors`);
      const { bytes, weights } = await readWeightsFile(resolve(input));
      let known = false;
      if (!opts.raw && !isCheckpoint(weights)) {
        try {
          inferSpec(stripDataParallel(weights.tensors, []));
          known = true;
        } catch {
          known = false;
        }
      }
      let out: Uint8Array;
      let what: string;
      if (known) {
        const engine = await makeEngine('wasm', 0, g);
        try {
          const notes: string[] = [];
          const model = await loadModel(engine, bytes, { onNote: (n) => notes.push(n) });
          for (const n of notes) if (!g.quiet) process.stderr.write(`note: ${n}\n`);
          out = await moduleSafetensors(model, { source: input.split(/[\\/]/).pop() ?? input });
          what = `${model.constructor.name}, ${model.numParameters().toLocaleString('en')} parameters`;
          model.dispose();
        } finally {
          engine.dispose();
        }
      } else {
        const metadata: Record<string, string> = { format: 'pt' };
        for (const [k, v] of Object.entries(weights.metadata)) if (typeof v === 'string') metadata[k] = v;
        out = writeSafetensors(weights.tensors, { metadata });
        what = `${Object.keys(weights.tensors).length} tensors copied as they are`;
      }
      await writeFileAtomic(resolve(output), out);
      if (!g.quiet) process.stdout.write(`wrote ${output} (${weights.format} -> safetensors; ${what})\n`);
    });
}
