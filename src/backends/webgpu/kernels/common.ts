// Helpers shared by the kernel tables of the elementwise, reduction, loss, Adam, data and
// random families: bindings, typed params and one-invocation-per-element passes.
import type { WgslBinding, WgslPass } from '../spec.js';
import { grid, grid1d } from '../header.js';

/** Workgroup size of the elementwise kernels (every device allows 256 invocations). */
export const WG = 256;

export const IN = (index: number): WgslBinding => ({ kind: 'in', index });
export const OUT = (index: number): WgslBinding => ({ kind: 'out', index });
export const SCRATCH = (index: number): WgslBinding => ({ kind: 'scratch', index });

export const u32 = (value: number) => ({ type: 'u32' as const, value });
export const f32 = (value: number) => ({ type: 'f32' as const, value });

/** A pass with one invocation per element (n of them); params start with n. */
export function perElement(shader: string, n: number, bindings: WgslBinding[], params: WgslPass['params'] = []): WgslPass {
  return { shader, defines: { WG }, bindings, params: [u32(n), ...params], workgroups: grid1d(n, WG) };
}

/** A pass with one invocation per block of four elements (the Philox kernels). */
export function perBlock(shader: string, n: number, bindings: WgslBinding[], params: WgslPass['params'] = []): WgslPass {
  return { shader, defines: { WG }, bindings, params: [u32(n), ...params], workgroups: grid(Math.ceil(Math.ceil(n / 4) / WG)) };
}

/** Invocations of a reduction's first level: about 16 terms each, at most 65536. */
function firstLevel(n: number): number {
  return Math.max(1, Math.min(65536, Math.ceil(n / 16)));
}

/** Sizes of a reduction's two ping-pong scratch buffers (levels alternate between them). */
export function reductionScratch(n: number): number[] {
  const t = firstLevel(n);
  return [t, Math.ceil(t / 64)];
}

/**
 * The passes of a full reduction (kernels/sum.wgsl and its kin), `ins` the term's inputs:
 * reduce_terms into scratch 0, reduce_sums (fan-in 64) alternating between the scratch
 * buffers while more than 64 values are left, then reduce_last into the output.
 */
export function reduction(shader: string, n: number, ins: number[]): WgslPass[] {
  const defines = { WG: 64 };
  const pass = (entryPoint: string, src: number, count: number, threads: number, groups: number): WgslPass => ({
    shader,
    entryPoint,
    defines,
    bindings: [...ins.map(IN), OUT(0), SCRATCH(src), SCRATCH(1 - src)],
    params: [u32(n), u32(count), u32(threads)],
    workgroups: grid(groups),
  });
  let count = firstLevel(n);
  const passes = [pass('reduce_terms', 1, 0, count, Math.ceil(count / 64))];
  let src = 0;
  while (count > 64) {
    const threads = Math.ceil(count / 64);
    passes.push(pass('reduce_sums', src, count, threads, Math.ceil(threads / 64)));
    count = threads;
    src = 1 - src;
  }
  passes.push(pass('reduce_last', src, count, 1, 1));
  return passes;
}
