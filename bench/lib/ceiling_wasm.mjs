// The WASM SIMD ceiling: how many f32 multiply-adds per second this machine's WebAssembly
// engine can issue at best. A hand-assembled module (bytes below, no toolchain needed) runs
// 12 independent chains acc = acc * a + b on f32x4 vectors: 12 chains hide the latency of
// the mul and the add, and 12 accumulators + 2 constants fit the 16 vector registers of
// x86-64, so nothing spills. Each iteration is 12 x 4 lanes x (1 mul + 1 add) = 96 FLOP.
// Plain mul + add, not fused (relaxed SIMD is off by default in Node 20 and browsers), since
// that is what the engine's kernels compile to as well.
//
// Browser-safe: no Node imports. All-cores runs use bench/ceiling/wasm_all_cores.mjs.

export const CHAINS = 12;
export const FLOP_PER_ITER = CHAINS * 4 * 2;

const f32 = (v) => [...new Uint8Array(new Float32Array([v]).buffer)];
const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const section = (id, bytes) => [id, ...uleb(bytes.length), ...bytes];

// Opcodes (WebAssembly core + SIMD proposal; SIMD ones after the 0xfd prefix, LEB128).
const LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22, I32_CONST = 0x41, I32_SUB = 0x6b;
const F32_CONST = 0x43, LOOP = 0x03, BR_IF = 0x0d, END = 0x0b, VOID = 0x40, V128 = 0x7b;
const F32X4_SPLAT = [0xfd, 0x13], F32X4_EXTRACT = [0xfd, 0x1f], F32X4_ADD = [0xfd, 0xe4, 0x01], F32X4_MUL = [0xfd, 0xe6, 0x01];

/** `run(iters: i32) -> f32`: iters >= 1 iterations of the 12 chains; returns a lane of their sum. */
export function simdFmaModuleBytes() {
  const A = 1, B = 2, ACC = 3; // local 0 is the parameter
  const body = [];
  const splat = (v, local) => body.push(F32_CONST, ...f32(v), ...F32X4_SPLAT, LOCAL_SET, local);
  // a slightly below 1 and a small b keep the values finite and normal (no denormal slowdowns)
  splat(0.9999, A);
  splat(0.0001, B);
  for (let i = 0; i < CHAINS; i++) splat(0.1 * (i + 1), ACC + i);
  body.push(LOOP, VOID);
  for (let i = 0; i < CHAINS; i++) {
    body.push(LOCAL_GET, ACC + i, LOCAL_GET, A, ...F32X4_MUL, LOCAL_GET, B, ...F32X4_ADD, LOCAL_SET, ACC + i);
  }
  body.push(LOCAL_GET, 0, I32_CONST, 1, I32_SUB, LOCAL_TEE, 0, BR_IF, 0, END);
  // The sum of all chains is returned, so no chain is dead code.
  body.push(LOCAL_GET, ACC);
  for (let i = 1; i < CHAINS; i++) body.push(LOCAL_GET, ACC + i, ...F32X4_ADD);
  body.push(...F32X4_EXTRACT, 0, END);
  const locals = [1, CHAINS + 2, V128];
  const func = [...locals, ...body];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), // type 0: (i32) -> f32
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(7, [1, 3, ...[...'run'].map((c) => c.charCodeAt(0)), 0x00, 0]), // export "run"
    ...section(10, [1, ...uleb(func.length), ...func]),
  ]);
}

export async function instantiateFma() {
  const { instance } = await WebAssembly.instantiate(simdFmaModuleBytes());
  return instance.exports.run;
}

/**
 * Single-thread rate in GFLOP/s: best of `reps` timed runs of `iters` iterations (the best,
 * not the median: a ceiling is what the core can do when nothing else disturbs it).
 */
export async function measureSingleCore({ iters = 20_000_000, reps = 5 } = {}) {
  const run = await instantiateFma();
  run(100_000); // tier up to the optimizing compiler
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    run(iters);
    best = Math.min(best, (performance.now() - t0) / 1e3);
  }
  return { gflops: (iters * FLOP_PER_ITER) / best / 1e9, seconds: best, iters, reps, threads: 1 };
}
