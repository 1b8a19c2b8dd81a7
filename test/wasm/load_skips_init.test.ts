// A strictly loaded network does not draw its random initial values (src/nn/init.ts
// withValuesToBeLoaded, used by loadModel): the loaded values are the file's, the engine's random
// stream afterwards is the same as when the init was drawn, and a lenient load keeps a drawn
// init for the keys it leaves missing.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine.js';
import { GeneratorResNet } from '../../src/cyclegan/generator.js';
import { loadModel, loadModelFromWeights } from '../../src/cyclegan/weights/load_model.js';
import { saveWeights } from '../../src/cyclegan/weights/save.js';
import { loadWeights } from '../../src/io/load.js';

describe('loadModel without drawn init', () => {
  it('loads the file, keeps the random stream, keeps init for a lenient load', async () => {
    const src = await createEngine({ backend: 'wasm', seed: 11, wasm: { threads: 1 } });
    const original = new GeneratorResNet(src, [3, 32, 32], 2);
    const bytes = saveWeights(original);
    const want = original.stateDict();

    // The stream as it was: a network built with its init drawn, then loaded.
    const drawn = await createEngine({ backend: 'wasm', seed: 5, wasm: { threads: 1 } });
    const built = new GeneratorResNet(drawn, [3, 32, 32], 2);
    built.loadStateDict(want);
    const streamDrawn = drawn.rand([16]).dataSync();

    for (const viaParsed of [false, true]) {
      const e = await createEngine({ backend: 'wasm', seed: 5, wasm: { threads: 1 } });
      const model = viaParsed ? loadModelFromWeights(e, await loadWeights(bytes)) : await loadModel(e, bytes);
      const got = model.stateDict();
      expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
      for (const k of Object.keys(want)) expect(got[k].dataSync()).toEqual(want[k].dataSync());
      expect(e.rand([16]).dataSync()).toEqual(streamDrawn);
      model.dispose();
      e.dispose();
    }

    // Lenient: the missing weight keeps its drawn init (what the same seed draws), not zeros.
    const missing = Object.keys(want).find((k) => want[k].shape.length === 4)!;
    const partial: Record<string, { data: Float32Array; shape: number[] }> = {};
    for (const k of Object.keys(want)) if (k !== missing) partial[k] = { data: want[k].dataSync(), shape: [...want[k].shape] };
    const e = await createEngine({ backend: 'wasm', seed: 5, wasm: { threads: 1 } });
    const spec = { kind: 'GeneratorResNet' as const, options: { inputShape: [3, 32, 32] as [number, number, number], nResidualBlocks: 2 } };
    const lenient = await loadModel(e, saveWeights(partial), { strict: false, spec });
    const ref = await createEngine({ backend: 'wasm', seed: 5, wasm: { threads: 1 } });
    const kept = lenient.stateDict()[missing].dataSync();
    expect(kept).toEqual(new GeneratorResNet(ref, [3, 32, 32], 2).stateDict()[missing].dataSync());
    expect(kept.some((v) => v !== 0)).toBe(true);
    for (const x of [lenient, built, original]) x.dispose();
    for (const x of [e, drawn, src, ref]) x.dispose();
  });
});
