// Backend 'auto' in the CLI without Dawn's noise. Dawn (the `webgpu` package) prints its
// warnings ("vkCreateInstance: Found no drivers!", ...) from native code straight to the
// process's stderr, where no JavaScript can filter them. So for 'auto' the CLI first asks for an
// adapter in a child process, relays that child's stderr only with --verbose, and starts Dawn
// in this process only when the adapter is one 'auto' would use (a hardware GPU). Otherwise
// the engine is created with the probed answer (no adapter, or a software one), so its
// selection still says exactly why it runs on WASM.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { createEngine, type Engine, type EngineOptions } from '../engine.js';
import { softwareAdapterReason } from '../backends/webgpu/gpu.js';

/** The adapter the child process was given: its info, or null for none; undefined when the probe could not run. */
interface Probe {
  adapter: Record<string, unknown> | null;
  stderr: string;
}

const CHILD = `
const { create } = await import(process.argv[1]);
const gpu = create([]);
const a = await gpu.requestAdapter({ powerPreference: 'high-performance' });
const i = a && a.info ? a.info : {};
const pick = (k) => (typeof i[k] === 'string' || typeof i[k] === 'boolean' ? i[k] : undefined);
const info = a ? { vendor: pick('vendor'), architecture: pick('architecture'), description: pick('description'), device: pick('device'), type: pick('type'), isFallbackAdapter: i.isFallbackAdapter === true || a.isFallbackAdapter === true } : null;
process.stdout.write(JSON.stringify({ adapter: info }));
process.exit(0);
`;

function webgpuUrl(): string | null {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return null;
  }
}

function probe(url: string): Promise<Probe | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, url], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', () => resolve(null));
    child.on('close', (code) => {
      try {
        if (code !== 0) throw new Error('probe failed');
        const parsed = JSON.parse(out) as { adapter: Record<string, unknown> | null };
        resolve({ adapter: parsed.adapter, stderr: err });
      } catch {
        resolve(null);
      }
    });
  });
}

let started: { url: string; probe: Promise<Probe | null> } | null = null;

/**
 * Starts the adapter probe now, for createQuietAutoEngine to use later: the child process then
 * runs while this one does other work (translate reads its weights and image meanwhile).
 */
export function prefetchAdapterProbe(): void {
  const url = webgpuUrl();
  if (url !== null && started === null) started = { url, probe: probe(url) };
}

function probeOnce(url: string): Promise<Probe | null> {
  if (started?.url === url) {
    const p = started.probe;
    started = null;
    return p;
  }
  return probe(url);
}

/** A stand-in for navigator.gpu that answers with the probed adapter (never asked for a device). */
function probedGpu(adapter: Record<string, unknown> | null): { requestAdapter(): Promise<unknown> } {
  return {
    requestAdapter: async () =>
      adapter && {
        info: adapter,
        isFallbackAdapter: adapter.isFallbackAdapter,
        limits: {},
        features: new Set(),
        requestDevice: async () => Promise.reject(new Error('the probed adapter lives in another process')),
      },
  };
}

/**
 * An engine for backend 'auto' that keeps Dawn's stderr lines out of the output unless
 * `verbose` (they are then relayed as the probe printed them).
 */
export async function createQuietAutoEngine(seed: number, verbose: boolean, extra: Pick<EngineOptions, 'wasm'> = {}): Promise<Engine> {
  const url = webgpuUrl();
  // No `webgpu` package: no Dawn, nothing to hide; the engine says why WebGPU is unavailable.
  if (url === null) return createEngine({ backend: 'auto', seed, ...extra });
  const found = await probeOnce(url);
  if (found && verbose && found.stderr) process.stderr.write(found.stderr);
  if (found && (found.adapter === null || softwareAdapterReason({ info: found.adapter }) !== null)) {
    return createEngine({ backend: 'auto', seed, ...extra, webgpu: { gpu: probedGpu(found.adapter) } });
  }
  return createEngine({ backend: 'auto', seed, ...extra });
}
