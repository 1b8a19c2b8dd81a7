// The networks' weights shared by every runner: the engine's GeneratorResNet / Discriminator
// initialised with weights_init_normal from a fixed seed (as bench/lib/engine_suite.mjs does),
// read out as PyTorch-layout state dicts. TF.js builds its graphs from them; PyTorch loads the
// safetensors files written here with load_state_dict(strict=True) and exports the ONNX models
// from them, so every peer computes the same function with the same numbers.
export const WEIGHT_SEED = 1;

/** { key: { data: Float32Array, shape } } of a freshly initialised network. */
export async function stateDictOf(lib, engine, kind, blocks) {
  const { GeneratorResNet, Discriminator, initWeightsNormal } = lib;
  const net = kind === 'generator' ? new GeneratorResNet(engine, [3, 64, 64], blocks) : new Discriminator(engine, [3, 64, 64]);
  try {
    initWeightsNormal(net, { seed: WEIGHT_SEED });
    const out = {};
    for (const [key, t] of Object.entries(net.stateDict())) out[key] = { data: await t.data(), shape: [...t.shape] };
    return out;
  } finally {
    net.dispose();
  }
}

/** A memoising `weights(kind, blocks)` for the runners. */
export function weightSource(lib, engine) {
  const cache = new Map();
  const get = async (kind, blocks = 0) => {
    const k = `${kind}:${blocks}`;
    if (!cache.has(k)) cache.set(k, await stateDictOf(lib, engine, kind, blocks));
    return cache.get(k);
  };
  return { get, sync: (kind, blocks = 0) => cache.get(`${kind}:${blocks}`) };
}
