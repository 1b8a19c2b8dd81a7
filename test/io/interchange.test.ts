// Weight interchange with PyTorch, both directions, for both generator layouts (9 and 6 blocks,
// the original's with and without dropout) and both discriminators:
//   PyTorch .pth (zip and legacy) -> loadModel here -> outputs within 1e-4 of PyTorch's;
//   saveWeights here -> safetensors -> PyTorch load_state_dict(strict=True) -> same outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { createEngine, type Engine } from '../../src/engine.js';
import { StateDictError } from '../../src/errors.js';
import { loadWeights } from '../../src/io/load.js';
import { loadModel } from '../../src/cyclegan/weights/load_model.js';
import { saveWeights } from '../../src/cyclegan/weights/save.js';
import { specOf, type CycleGANModel } from '../../src/cyclegan/weights/architectures.js';
import { ArchitectureError } from '../../src/io/errors.js';
import { makeFixtures, probeTorch, readF32, relErr, runCheck, type Fixtures } from './torch_helper.js';

interface ModelCase {
  name: string;
  kind: string;
  options: Record<string, unknown>;
  files: { zip: string; legacy: string };
  input: string;
  inputShape: number[];
  output: string;
  outputShape: number[];
  keys: number;
  modelKeys: number;
}
interface Manifest {
  torch: string;
  models: ModelCase[];
  tiny: { dataparallel: string };
}
interface CheckResult {
  name: string;
  metadata: Record<string, string>;
  strictLoad: boolean;
  torchVsReference: number;
  oursVsTorch: number;
}

const TOL = 1e-4;
const torch = probeTorch();

describe('PyTorch availability', () => {
  it('CI=true requires torch for the interchange tests', () => {
    // Without CI the PyTorch tests below skip with the reason; CI must run them.
    if (torch.required && !torch.ok) throw new Error(torch.reason);
  });
});

describe.skipIf(!torch.ok)(`weight interchange with PyTorch (${torch.reason})`, () => {
  let fx: Fixtures<Manifest>;
  let engine: Engine;
  const measured: string[] = [];
  beforeAll(async () => {
    fx = makeFixtures<Manifest>(['models', 'tiny']);
    engine = await createEngine({ backend: 'wasm', seed: 1 });
  });
  afterAll(() => {
    engine?.dispose();
    fx?.cleanup();
    if (measured.length) console.log(`max relative error vs PyTorch:\n  ${measured.join('\n  ')}`);
  });

  async function forward(model: CycleGANModel, c: ModelCase): Promise<Float32Array> {
    const x = engine.tensor(readF32(fx.path(c.input)), c.inputShape);
    const y = engine.noGrad(() => model.forward(x));
    const out = await y.data();
    expect(y.shape).toEqual(c.outputShape);
    x.dispose();
    y.dispose();
    return out;
  }

  const names = ['seed9', 'seed6', 'orig9', 'orig6', 'orig9_dropout', 'orig6_dropout', 'orig_running_stats', 'seed_disc', 'nlayer_disc'];
  for (const name of names) {
    for (const container of ['zip', 'legacy'] as const) {
      it(`${name} (${container} .pth): architecture inferred, output within ${TOL} of PyTorch`, async () => {
        const c = fx.manifest.models.find((m) => m.name === name)!;
        const notes: string[] = [];
        const model = await loadModel(engine, fx.path(c.files[container]), { inputSize: [32, 32], onNote: (n) => notes.push(n) });
        try {
          expect(specOf(model)).toEqual({ kind: c.kind, options: c.options });
          expect(model.training).toBe(false);
          expect(Object.keys(model.stateDict()).length).toBe(c.modelKeys);
          if (name === 'orig_running_stats') {
            expect(c.keys).toBeGreaterThan(c.modelKeys);
            expect(notes.join('\n')).toMatch(new RegExp(`ignored ${c.keys - c.modelKeys} InstanceNorm running-stat keys`));
          } else {
            expect(notes).toEqual([]);
          }
          const err = relErr(await forward(model, c), readF32(fx.path(c.output)));
          measured.push(`${name} ${container}: ${err.toExponential(2)}`);
          expect(err).toBeLessThanOrEqual(TOL);
        } finally {
          model.dispose();
        }
      });
    }
  }

  it('safetensors written here load into PyTorch with strict=True and give the same outputs', async () => {
    const ours: object[] = [];
    for (const c of fx.manifest.models) {
      const model = await loadModel(engine, fx.path(c.files.zip), { inputSize: [32, 32] });
      const bytes = saveWeights(model);
      writeFileSync(fx.path(`${c.name}.ours.safetensors`), bytes);
      writeFileSync(fx.path(`${c.name}.ours.y.bin`), await forward(model, c));
      model.dispose();
      // And back here: the metadata names the network, so nothing is inferred.
      const back = await loadModel(engine, bytes);
      expect(specOf(back)).toEqual({ kind: c.kind, options: c.options });
      back.dispose();
      ours.push({ ...c, safetensors: `${c.name}.ours.safetensors`, reference: c.output, ourOutput: `${c.name}.ours.y.bin` });
    }
    writeFileSync(fx.path('ours.json'), JSON.stringify(ours));
    const results = runCheck<CheckResult[]>(fx.dir);
    expect(results.map((r) => r.name)).toEqual(fx.manifest.models.map((m) => m.name));
    for (const r of results) {
      measured.push(`${r.name} safetensors -> torch strict: ours vs torch ${r.oursVsTorch.toExponential(2)}, torch vs reference ${r.torchVsReference.toExponential(2)}`);
      expect(r.strictLoad).toBe(true);
      expect(r.metadata.kind).toBe(fx.manifest.models.find((m) => m.name === r.name)!.kind);
      expect(r.torchVsReference).toBe(0); // the very weights PyTorch saved came back
      expect(r.oursVsTorch).toBeLessThanOrEqual(TOL);
    }
  });

  it('a DataParallel checkpoint (module. prefix) loads with a note', async () => {
    const notes: string[] = [];
    const model = await loadModel(engine, fx.path(fx.manifest.tiny.dataparallel), { onNote: (n) => notes.push(n) });
    expect(specOf(model)).toEqual({ kind: 'ResnetGenerator', options: { inputNc: 3, outputNc: 3, ngf: 4, nBlocks: 2, useDropout: false } });
    expect(notes.join()).toMatch(/module\./);
    model.dispose();
  });

  describe('key checks', () => {
    const disc = (): ModelCase => fx.manifest.models.find((m) => m.name === 'nlayer_disc')!;
    const edited = async (edit: (t: Record<string, { data: Float32Array; shape: number[] }>) => void): Promise<Uint8Array> => {
      const { tensors } = await loadWeights(fx.path(disc().files.zip));
      edit(tensors);
      return saveWeights(tensors);
    };

    it('a wrong shape for a key is a StateDictError naming the key', async () => {
      const bytes = await edited((t) => {
        t['model.2.bias'] = { data: new Float32Array(5), shape: [5] };
      });
      const err = await loadModel(engine, bytes).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateDictError);
      expect((err as StateDictError).mismatched).toEqual(['model.2.bias']);
      expect(String(err)).toMatch(/model\.2\.bias.*\[32\].*\[5\]/);
    });

    it('a missing key with strict is a StateDictError naming it; strict: false loads with a note', async () => {
      const bytes = await edited((t) => {
        delete t['model.5.bias'];
      });
      const err = await loadModel(engine, bytes).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateDictError);
      expect((err as StateDictError).missing).toEqual(['model.5.bias']);
      const notes: string[] = [];
      const m = await loadModel(engine, bytes, { strict: false, onNote: (n) => notes.push(n) });
      expect(notes.join()).toMatch(/missing keys.*model\.5\.bias/);
      m.dispose();
    });

    it('an unexpected key with strict is a StateDictError naming it', async () => {
      const bytes = await edited((t) => {
        t['model.4.weight'] = { data: new Float32Array(2), shape: [2] };
      });
      const err = await loadModel(engine, bytes).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateDictError);
      expect((err as StateDictError).unexpected).toEqual(['model.4.weight']);
    });

    it('keys of no known network are an ArchitectureError', async () => {
      const err = await loadModel(engine, saveWeights({ 'net.w': { data: new Float32Array(1), shape: [1] } })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ArchitectureError);
      expect(String(err)).toMatch(/prefix/);
    });

    it('prefix picks one network out of a multi-network file', async () => {
      const { tensors } = await loadWeights(fx.path(disc().files.zip));
      const both: Record<string, { data: Float32Array; shape: number[] }> = {};
      for (const [k, v] of Object.entries(tensors)) both[`D_A.${k}`] = both[`D_B.${k}`] = v;
      const m = await loadModel(engine, saveWeights(both), { prefix: 'D_B.' });
      expect(specOf(m)?.kind).toBe('NLayerDiscriminator');
      m.dispose();
    });
  });

  it('a file: URL reads the same tensors as the bytes', async () => {
    const c = fx.manifest.models.find((m) => m.name === 'seed_disc')!;
    const a = await loadWeights(readFileSync(fx.path(c.files.legacy)));
    const b = await loadWeights(new URL(`file://${fx.path(c.files.legacy)}`));
    expect(Object.keys(b.tensors)).toEqual(Object.keys(a.tensors));
    expect(b.tensors['model.12.weight'].data).toEqual(a.tensors['model.12.weight'].data);
  });
});
