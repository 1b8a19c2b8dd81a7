// The backends the conformance suites (test/conformance) run on, each with its tolerance:
// max|ours - torch| / (max|torch| + 1e-6) <= tol, for every output and gradient (DESIGN.md, section 5).
// A new backend is one line here; CONFORMANCE_BACKENDS=wasm,webgpu narrows the list.

import { webgpuConformance } from '../webgpu/availability.js';

export type ConformanceBackend = 'wasm' | 'webgpu';

export interface BackendSpec {
  name: ConformanceBackend;
  tol: number;
}

const ALL: BackendSpec[] = [
  { name: 'wasm', tol: 1e-4 },
  ...(await webgpuConformance()),
];

function selected(): BackendSpec[] {
  const only = process.env.CONFORMANCE_BACKENDS;
  if (!only) return ALL;
  const names = only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !ALL.some((b) => b.name === n));
  if (unknown.length) {
    throw new Error(`CONFORMANCE_BACKENDS names unknown backends: ${unknown.join(', ')} (known: ${ALL.map((b) => b.name).join(', ')})`);
  }
  return ALL.filter((b) => names.includes(b.name));
}

export const backends: BackendSpec[] = selected();
