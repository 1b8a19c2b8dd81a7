// Whether the conformance suites run on WebGPU here. With CI=true WebGPU is always listed, so a
// missing adapter fails the run (createEngine({ backend: 'webgpu' }) throws, naming why);
// elsewhere it is skipped, with the reason printed, when no adapter can be had.
import '../setup/webgpu-env.js';
import { createEngine } from '../../src/index.js';

export interface WebGpuSpec {
  name: 'webgpu';
  tol: number;
}

/** docs/design.md, "The numbers that define correct": 1e-3 on WebGPU. */
const SPEC: WebGpuSpec = { name: 'webgpu', tol: 1e-3 };

let probed: Promise<string | null> | null = null;

/** null when a WebGPU engine can be created here, else the reason it cannot. */
export function webgpuUnavailable(): Promise<string | null> {
  probed ??= createEngine({ backend: 'webgpu' }).then(
    (e) => {
      e.dispose();
      return null;
    },
    (e: Error) => e.message,
  );
  return probed;
}

export async function webgpuConformance(): Promise<WebGpuSpec[]> {
  if (process.env.CI === 'true') return [SPEC];
  const reason = await webgpuUnavailable();
  if (reason) {
    console.warn(`conformance: skipping the webgpu backend (set CI=true to make this a failure): ${reason}`);
    return [];
  }
  return [SPEC];
}
