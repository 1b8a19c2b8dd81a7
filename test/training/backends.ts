// The backends the training suites run on: test/helpers/backends.ts's list, except that WebGPU
// joins only on a hardware adapter. A training step runs a few hundred kernels over ~12 M
// parameters; on a software adapter (SwiftShader, the only one on CI machines without a GPU) a
// single 32x32 step takes about two minutes, so the suites would take hours there. Set
// TRAINING_BACKENDS=wasm,webgpu to run them on a software adapter anyway.
import { backends, type BackendSpec } from '../helpers/backends.js';
import { createEngine } from '../../src/index.js';

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|basic render/i;

async function adapterName(): Promise<string> {
  try {
    const engine = await createEngine({ backend: 'webgpu' });
    const report = engine.dispatchReport() as { selection?: { adapter?: string } };
    engine.dispose();
    return report.selection?.adapter ?? 'an unnamed adapter';
  } catch (e) {
    return `none (${(e as Error).message})`;
  }
}

async function select(): Promise<BackendSpec[]> {
  const forced = process.env.TRAINING_BACKENDS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (forced) return backends.filter((b) => forced.includes(b.name));
  const out: BackendSpec[] = [];
  for (const b of backends) {
    if (b.name !== 'webgpu') {
      out.push(b);
      continue;
    }
    const adapter = await adapterName();
    if (SOFTWARE.test(adapter)) {
      console.warn(`training suites: skipping webgpu on the software adapter '${adapter}' (TRAINING_BACKENDS=wasm,webgpu forces it)`);
    } else {
      out.push(b);
    }
  }
  return out;
}

export const trainingBackends: BackendSpec[] = await select();
