/// <reference types="@webgpu/types" />
// The pipeline cache: one compute pipeline per (shader, entry point, defines, binding count),
// created once with createComputePipelineAsync. Its state is known only asynchronously, so
// the stream (stream.ts) waits for a new pipeline before encoding the first dispatch that
// uses it: an invalid pipeline in a command encoder would invalidate the whole batch.
//
// Layouts are explicit, built from the pass's bindings and the access modes the WGSL declares:
// an 'auto' layout would drop bindings a specialisation does not use (e.g. the bias of a
// conv without bias), and then the bind group the runtime makes would not fit.
import type { WgslPass } from './spec.js';
import { buildShader } from './header.js';
import { WGSL_SOURCES } from './wgsl.generated.js';
import { SHADER_STAGE_COMPUTE } from './storage.js';
import { errorText } from './gpu.js';

export interface PipelineEntry {
  readonly key: string;
  state: 'pending' | 'ready' | 'bad';
  pipeline: GPUComputePipeline | null;
  layout: GPUBindGroupLayout | null;
  /** why the pipeline could not be made (state 'bad') */
  error: string | null;
  /** access mode of each storage binding the shader declares */
  readonly access: Map<number, 'read' | 'read_write'>;
  /** settles (never rejects) once state is 'ready' or 'bad' */
  readonly settled: Promise<void>;
}

/** A pass of a kernel call with the pipeline it runs on (what the stream encodes). */
export interface PreparedPass {
  pass: WgslPass;
  pipeline: PipelineEntry;
}

/** Access mode of each `var<storage, ...>` binding a shader declares, by binding number. */
export function storageAccess(code: string): Map<number, 'read' | 'read_write'> {
  const out = new Map<number, 'read' | 'read_write'>();
  const decl = /((?:@\w+\s*\([^)]*\)\s*)+)var\s*<\s*storage\s*(?:,\s*(read_write|read)\s*)?>/g;
  for (const m of code.matchAll(decl)) {
    const b = /@binding\s*\(\s*(\d+)\s*\)/.exec(m[1]);
    if (b) out.set(Number(b[1]), m[2] === 'read_write' ? 'read_write' : 'read');
  }
  return out;
}

export class PipelineCache {
  private readonly entries = new Map<string, PipelineEntry>();
  private readonly modules = new Map<string, { module: GPUShaderModule; error: Promise<string | null> }>();

  constructor(
    private readonly device: GPUDevice,
    private readonly sources: Record<string, string> = {},
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The entry for a pass, created (and compiling) on first use. */
  get(pass: WgslPass): PipelineEntry {
    const entryPoint = pass.entryPoint ?? 'main';
    const defines = pass.defines ?? {};
    const defKey = Object.keys(defines)
      .sort()
      .map((k) => `${k}=${defines[k]}`)
      .join(',');
    const key = `${pass.shader}:${entryPoint}{${defKey}}#${pass.bindings.length}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.create(key, pass, entryPoint, defines);
      this.entries.set(key, entry);
    }
    return entry;
  }

  private create(key: string, pass: WgslPass, entryPoint: string, defines: Record<string, number | string>): PipelineEntry {
    const bad = (error: string): PipelineEntry => ({
      key,
      state: 'bad',
      pipeline: null,
      layout: null,
      error,
      access: new Map(),
      settled: Promise.resolve(),
    });
    const source = this.sources[pass.shader] ?? WGSL_SOURCES[pass.shader];
    if (source === undefined) return bad(`no kernels/${pass.shader}.wgsl in this build`);
    let code: string;
    try {
      code = buildShader(pass.shader, source, defines);
    } catch (e) {
      return bad((e as Error).message);
    }
    const access = storageAccess(code);
    const n = pass.bindings.length;
    const layoutEntries: GPUBindGroupLayoutEntry[] = [];
    for (let i = 0; i < n; i++) {
      const type: GPUBufferBindingType = access.get(i) === 'read_write' ? 'storage' : 'read-only-storage';
      layoutEntries.push({ binding: i, visibility: SHADER_STAGE_COMPUTE, buffer: { type } });
    }
    layoutEntries.push({ binding: n, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform' } });

    const { module, error: moduleError } = this.module(code);
    const entry: PipelineEntry = {
      key,
      state: 'pending',
      pipeline: null,
      layout: null,
      error: null,
      access,
      settled: Promise.resolve(),
    };
    const fail = (why: string): void => {
      entry.state = 'bad';
      entry.error = `kernels/${pass.shader}.wgsl (${entryPoint}, ${JSON.stringify(defines)}): ${why}`;
    };
    try {
      this.device.pushErrorScope('validation');
      const layout = this.device.createBindGroupLayout({ entries: layoutEntries, label: key });
      const pipelineLayout = this.device.createPipelineLayout({ bindGroupLayouts: [layout], label: key });
      const layoutError = this.device.popErrorScope();
      const pipeline = this.device.createComputePipelineAsync({
        layout: pipelineLayout,
        compute: { module, entryPoint },
        label: key,
      });
      (entry as { settled: Promise<void> }).settled = Promise.all([moduleError, layoutError, pipeline]).then(
        ([mErr, lErr, p]) => {
          if (mErr) return fail(`shader compilation failed: ${mErr}`);
          if (lErr) return fail(`bind group layout rejected: ${lErr.message}`);
          entry.pipeline = p;
          entry.layout = layout;
          entry.state = 'ready';
        },
        async (e) => {
          // The compile error, when there is one, says more than the pipeline's.
          const mErr = await moduleError.catch(() => null);
          fail(mErr ? `shader compilation failed: ${mErr}` : `pipeline creation failed: ${errorText(e)}`);
        },
      );
    } catch (e) {
      fail(`pipeline creation failed: ${errorText(e)}`);
    }
    return entry;
  }

  /** Shader modules are shared by the entry points and binding counts of one source. */
  private module(code: string): { module: GPUShaderModule; error: Promise<string | null> } {
    let m = this.modules.get(code);
    if (!m) {
      // An error scope keeps Dawn from printing compile errors; the message is kept instead.
      this.device.pushErrorScope('validation');
      const module = this.device.createShaderModule({ code });
      const error = this.device.popErrorScope().then(
        (e) => (e ? e.message : null),
        (e) => errorText(e),
      );
      m = { module, error };
      this.modules.set(code, m);
    }
    return m;
  }
}
