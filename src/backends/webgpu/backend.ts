/// <reference types="@webgpu/types" />
// The WebGPU backend: device buffers from a pool, WGSL kernels from descriptions
// (kernels/*.ts, spec.ts) run through a pipeline cache, and one ordered stream (stream.ts)
// that batches dispatches into command encoders and reads back only when asked.
//
// (a) Synchronous API over an asynchronous GPU. Ops enqueue and return; data() resolves after
//     the stream reaches its readback. What cannot be known synchronously is never guessed:
//     dataSync() on a WebGPU tensor throws (use await data()). An op the GPU cannot run is
//     known when it is called (no WGSL kernel, a storage over maxStorageBufferBindingSize, a
//     missing feature, a pipeline that already failed, a tensor kept on the host); it then
//     becomes a fallback item in the same stream, run on WASM when the pump reaches it, with
//     its inputs read back and its outputs uploaded. Its outputs stay WebGPU storages, so
//     nothing downstream changes and no host access is needed synchronously. A pipeline whose
//     failure only shows at run time is handled the same way by the pump (auto), or poisons
//     its outputs so that reading them rejects with the reason (strict 'webgpu').
// (b) Device loss. Tensors change only when an op writes them (outputs, Adam's in-place
//     update, assign), so each storage carries a version, and a host copy ("shadow") with the
//     version it holds. Uploads and fills give current shadows for free; every readback (data(),
//     engine.sync()) also fetches every live storage whose shadow is stale, in the same
//     mapping. When the device is lost, every live storage with a shadow moves to WASM with the
//     contents it had at the last sync; a tensor made after it is marked lost and throws
//     DeviceLostError when used. A step in flight therefore fails with an error naming the loss,
//     and the parameters and optimizer state are those of the last completed step.
// (c) memory(): live and pooled bytes of device buffers, pooled buffer count, reserved bytes
//     (every buffer the backend created), and the host bytes held by shadows.
import type { Backend, AnyBackend, BackendMemory } from '../backend.js';
import type { KernelAttrs, KernelName, KernelTable } from '../../kernels/contract.js';
import { CycleGANError, KernelMissingError } from '../../errors.js';
import type { WgslKernel, WgslKernelTable } from './spec.js';
import { BufferPool, sizeClass } from './pool.js';
import { PipelineCache, type PreparedPass } from './pipelines.js';
import { Stream, expand, type Written } from './stream.js';
import { IN_PLACE_INPUTS } from './host.js';
import { BufferUsage, type WebGpuStorage } from './storage.js';
import { wgslKernels } from './kernels/index.js';

export interface WebGpuBackendConfig {
  recoverDeviceLoss: boolean;
  snapshotIntervalMs?: number;
  disableKernels: readonly string[];
  maxStorageBufferBindingSize?: number;
  maxBufferSize?: number;
  sources?: Record<string, string>;
  /** Kernel descriptions (default: the built-in table); for tests. */
  table?: WgslKernelTable;
}

export type Plan = { ok: true; passes: PreparedPass[]; scratch: number[] } | { ok: false; missing: boolean; reason: string };

export interface WebGpuMemory extends BackendMemory {
  pooledBuffers: number;
  /** host bytes of the device-loss copies */
  shadowBytes: number;
  /** bytes of tensors over maxBufferSize, kept on the host */
  hostResidentBytes: number;
}

/** Where a call ran; bytesMoved and reason for a call that ran on WASM. */
export interface Dispatched {
  ran: 'webgpu' | 'wasm';
  reason?: string;
  bytesMoved: number;
}

/** What the composite backend (../composite.ts) learns when the device goes: called once, returns the error to reject reads with. */
export type LossHandler = (reason: string) => Error;

export class WebGpuBackend implements Backend<WebGpuStorage> {
  readonly name = 'webgpu' as const;
  readonly kernels: KernelTable<WebGpuStorage> = {};
  /** Set once the device is lost (the reason). */
  lostReason: string | null = null;
  onLoss: LossHandler = (reason) => new CycleGANError(`the WebGPU device was lost: ${reason}`);
  /** A pipeline failed at run time: true runs the op on WASM instead (and counts it). */
  onPipelineFailure: (kernel: KernelName, reason: string, bytes: number) => boolean = () => false;

  private readonly pool: BufferPool;
  private readonly pipelines: PipelineCache;
  private readonly stream: Stream;
  private readonly table: WgslKernelTable;
  private readonly live = new Set<WebGpuStorage>();
  private readonly maxBinding: number;
  private readonly maxBuffer: number;
  private nextId = 1;
  private lastSnapshot = -Infinity;
  private disposed = false;

  constructor(
    readonly device: GPUDevice,
    readonly adapterName: string,
    private readonly wasm: AnyBackend | null,
    private readonly config: WebGpuBackendConfig,
  ) {
    this.table = config.table ?? wgslKernels;
    const limits = device.limits;
    this.maxBinding = Math.min(limits.maxStorageBufferBindingSize, config.maxStorageBufferBindingSize ?? Infinity);
    this.maxBuffer = Math.min(limits.maxBufferSize, config.maxBufferSize ?? Infinity);
    const usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    this.pool = new BufferPool(device, usage, 'tensor');
    this.pipelines = new PipelineCache(device, config.sources);
    this.stream = new Stream(device, wasm, {
      keepShadows: config.recoverDeviceLoss,
      lost: (reason) => this.handleLoss(reason),
      pipelineFailed: (item, error) => this.onPipelineFailure(item.kernel, error, movedBytes(item.kernel, item.ins, item.outs)),
    });
    void device.lost.then((info) => {
      if (!this.disposed) this.stream.die(`${info.reason}: ${info.message}`);
    });
    for (const name of Object.keys(this.table) as KernelName[]) {
      (this.kernels as Record<string, unknown>)[name] = (ins: (WebGpuStorage | null)[], outs: (WebGpuStorage | null)[], attrs: never) =>
        this.dispatch(name, ins, outs, attrs, false);
    }
  }

  get isLost(): boolean {
    return this.lostReason !== null;
  }

  // ---------------------------------------------------------------- storage

  alloc(numel: number): WebGpuStorage {
    const bytes = numel * 4;
    const hostResident = bytes > this.maxBuffer;
    const buffer = hostResident ? null : this.pool.acquire(bytes);
    const s: WebGpuStorage = {
      backend: 'webgpu',
      numel,
      id: this.nextId++,
      buffer,
      bufferBytes: buffer ? sizeClass(bytes) : 0,
      host: hostResident ? new Float32Array(numel) : null,
      version: 0,
      shadow: null,
      shadowVersion: -1,
      poison: null,
      freed: false,
    };
    this.live.add(s);
    return s;
  }

  free(s: WebGpuStorage): void {
    if (s.freed) return;
    s.freed = true;
    // The buffer (or host array) stays referenced by items still queued; it is only reused.
    s.shadow = null;
    this.live.delete(s);
    if (s.buffer) this.pool.release(s.buffer);
  }

  write(s: WebGpuStorage, data: Float32Array): void {
    // Copied now: the upload happens when the stream gets there, and the caller may reuse data.
    const copy = data.slice();
    s.version++;
    this.stream.enqueue({ kind: 'write', dst: s, data: copy });
    if (this.config.recoverDeviceLoss) this.setShadow(s, copy);
  }

  /** Records that an op filled s with a constant: its host copy needs no readback. */
  private noteFill(s: WebGpuStorage, value: number): void {
    if (this.config.recoverDeviceLoss) this.setShadow(s, { fill: value });
  }

  /** dst = src, in stream order (engine.assign between two WebGPU tensors). */
  copy(src: WebGpuStorage, dst: WebGpuStorage): void {
    if (src.host || dst.host) {
      this.enqueueHost('copy', { n: src.numel }, [src], [dst]);
      return;
    }
    dst.version++;
    this.stream.enqueue({ kind: 'copy', src, dst });
  }

  read(s: WebGpuStorage): Promise<Float32Array> {
    return this.readback(s) as Promise<Float32Array>;
  }

  /** Resolves when every enqueued op has run (and refreshes the host copies). */
  async sync(): Promise<void> {
    await this.readback(null);
  }

  readSync(): null {
    return null;
  }

  private readback(s: WebGpuStorage | null): Promise<Float32Array | null> {
    return new Promise((resolve, reject) => {
      const targets: Written[] = s ? [{ s, version: s.version }] : [];
      const now = Date.now();
      if (this.config.recoverDeviceLoss && (!s || now - this.lastSnapshot >= (this.config.snapshotIntervalMs ?? 0))) {
        this.lastSnapshot = now;
        for (const t of this.live) if (t !== s && t.shadowVersion !== t.version) targets.push({ s: t, version: t.version });
      }
      this.stream.enqueue({
        kind: 'read',
        targets,
        wantsTarget: s !== null,
        settle: (err, data) => (err ? reject(err) : resolve(data)),
      });
    });
  }

  /**
   * Contents a storage can be restored with after a loss: its host copy (stale when it was
   * written since), or null when it has none.
   */
  recoverable(s: WebGpuStorage): { data: Float32Array; stale: boolean } | null {
    if (s.host) return { data: s.host.slice(), stale: false };
    if (!s.shadow) return null;
    return { data: expand(s.shadow, s.numel), stale: s.shadowVersion !== s.version };
  }

  private setShadow(s: WebGpuStorage, shadow: Float32Array | { fill: number }): void {
    s.shadow = shadow;
    s.shadowVersion = s.version;
  }

  // ---------------------------------------------------------------- dispatch

  /** Whether the GPU can run this call, and how; decided before anything is enqueued. */
  plan<K extends KernelName>(kernel: K, attrs: KernelAttrs[K], ins: readonly (WebGpuStorage | null)[], outs: readonly (WebGpuStorage | null)[]): Plan {
    const no = (reason: string, missing = false): Plan => ({ ok: false, missing, reason });
    if (this.config.disableKernels.includes(kernel)) return no('disabled by webgpu.disableKernels');
    const desc = this.table[kernel] as WgslKernel<K> | undefined;
    if (!desc) return no('no WGSL kernel', true);
    const all = [...ins, ...outs];
    if (all.some((s) => s?.host)) return no(`a tensor over maxBufferSize (${this.maxBuffer} bytes) is kept on the host`);
    const missingFeature = desc.features?.find((f) => !this.device.features.has(f));
    if (missingFeature) return no(`device feature '${missingFeature}' is missing`);
    let passes;
    let scratch: number[];
    try {
      scratch = desc.scratch?.(attrs) ?? [];
      passes = desc.passes(attrs, { inputs: ins.map((s) => s !== null), outputs: outs.map((s) => s !== null) });
    } catch (e) {
      return no(`the WGSL kernel does not take these attributes: ${(e as Error).message}`);
    }
    const limits = this.device.limits;
    for (const s of all) {
      if (s && s.numel * 4 > this.maxBinding) return no(`a ${s.numel * 4}-byte tensor is over maxStorageBufferBindingSize (${this.maxBinding})`);
    }
    for (const n of scratch) if (n * 4 > this.maxBinding) return no(`a ${n * 4}-byte scratch buffer is over maxStorageBufferBindingSize (${this.maxBinding})`);
    const prepared: PreparedPass[] = [];
    for (const pass of passes) {
      if (pass.workgroups.some((w) => w > limits.maxComputeWorkgroupsPerDimension)) {
        return no(`${pass.shader}: workgroups [${pass.workgroups}] over maxComputeWorkgroupsPerDimension (${limits.maxComputeWorkgroupsPerDimension})`);
      }
      if (pass.bindings.length > limits.maxStorageBuffersPerShaderStage) {
        return no(`${pass.shader}: ${pass.bindings.length} storage buffers, over maxStorageBuffersPerShaderStage (${limits.maxStorageBuffersPerShaderStage})`);
      }
      const pipeline = this.pipelines.get(pass);
      if (pipeline.state === 'bad') return no(pipeline.error ?? 'pipeline creation failed');
      // One buffer bound twice with a writable binding is invalid in WebGPU (e.g. adam on aliased tensors).
      const seen = new Map<GPUBuffer, boolean>();
      for (const [i, b] of pass.bindings.entries()) {
        const s = b.kind === 'in' ? ins[b.index] : b.kind === 'out' ? outs[b.index] : null;
        if (!s?.buffer) continue;
        const writable = pipeline.access.get(i) === 'read_write';
        if (seen.has(s.buffer) && (writable || seen.get(s.buffer))) return no(`${pass.shader}: one tensor is bound twice and written`);
        seen.set(s.buffer, writable || (seen.get(s.buffer) ?? false));
      }
      prepared.push({ pass, pipeline });
    }
    return { ok: true, passes: prepared, scratch };
  }

  /**
   * Runs a kernel: on the GPU when plan() allows, else on WASM through the stream when
   * fallback is allowed, else throws naming the reason. Returns where it ran.
   */
  dispatch<K extends KernelName>(
    kernel: K,
    ins: readonly (WebGpuStorage | null)[],
    outs: readonly (WebGpuStorage | null)[],
    attrs: KernelAttrs[K],
    allowFallback: boolean,
  ): Dispatched {
    const ran = this.route(kernel, ins, outs, attrs, allowFallback);
    // A constant's host copy is known without a readback, wherever the fill ran.
    if (kernel === 'fill' && outs[0]) this.noteFill(outs[0], (attrs as KernelAttrs['fill']).value);
    return ran;
  }

  private route<K extends KernelName>(
    kernel: K,
    ins: readonly (WebGpuStorage | null)[],
    outs: readonly (WebGpuStorage | null)[],
    attrs: KernelAttrs[K],
    allowFallback: boolean,
  ): Dispatched {
    const plan = this.plan(kernel, attrs, ins, outs);
    if (plan.ok) {
      const { inVersions, writes } = this.bump(kernel, ins, outs);
      const scratch = plan.scratch.map((numel) => ({ buffer: this.pool.acquire(numel * 4), numel }));
      this.stream.enqueue({ kind: 'gpu', kernel, attrs, ins, outs, inVersions, writes, passes: plan.passes, scratch });
      // Released at once: any later owner's use is enqueued after this item.
      for (const { buffer } of scratch) this.pool.release(buffer);
      return { ran: 'webgpu', bytesMoved: 0 };
    }
    if (!allowFallback || !this.wasm?.kernels[kernel]) {
      if (plan.missing) throw new KernelMissingError(kernel, 'webgpu');
      throw new CycleGANError(`kernel '${kernel}' cannot run on the webgpu backend: ${plan.reason}`);
    }
    this.enqueueHost(kernel, attrs, ins, outs);
    return { ran: 'wasm', reason: plan.reason, bytesMoved: movedBytes(kernel, ins, outs) };
  }

  private enqueueHost<K extends KernelName>(kernel: K, attrs: KernelAttrs[K], ins: readonly (WebGpuStorage | null)[], outs: readonly (WebGpuStorage | null)[]): void {
    if (!this.wasm) throw new KernelMissingError(kernel, 'wasm');
    const { inVersions, writes } = this.bump(kernel, ins, outs);
    this.stream.enqueue({ kind: 'host', kernel, attrs, ins, outs, inVersions, writes });
  }

  /** New versions for what a kernel writes; the versions its inputs are read at. */
  private bump(kernel: KernelName, ins: readonly (WebGpuStorage | null)[], outs: readonly (WebGpuStorage | null)[]): { inVersions: number[]; writes: Written[] } {
    const inVersions = ins.map((s) => s?.version ?? 0);
    const written = [...outs, ...(IN_PLACE_INPUTS[kernel] ?? []).map((i) => ins[i])];
    const writes: Written[] = [];
    for (const s of written) if (s && !writes.some((w) => w.s === s)) writes.push({ s, version: ++s.version });
    return { inVersions, writes };
  }

  // ---------------------------------------------------------------- life cycle

  private handleLoss(reason: string): Error {
    this.lostReason = reason;
    const error = this.onLoss(reason);
    // Pooled buffers died with the device; live ones are counted until their tensors go.
    this.pool.trim();
    return error;
  }

  /** Treats the device as lost now (used when a WebGPU call throws synchronously). */
  markLost(reason: string): void {
    this.stream.die(reason);
  }

  memory(): WebGpuMemory {
    let shadowBytes = 0;
    let hostResidentBytes = 0;
    for (const s of this.live) {
      if (s.shadow instanceof Float32Array) shadowBytes += s.shadow.byteLength;
      if (s.host) hostResidentBytes += s.host.byteLength;
    }
    return {
      liveBytes: this.pool.liveBytes,
      pooledBytes: this.pool.pooledBytes,
      reservedBytes: this.pool.createdBytes + this.stream.internalBytes,
      pooledBuffers: this.pool.pooledBuffers,
      shadowBytes,
      hostResidentBytes,
    };
  }

  /** Number of distinct pipelines made so far. */
  get pipelineCount(): number {
    return this.pipelines.size;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stream.dispose();
    for (const s of this.live) s.buffer?.destroy();
    this.live.clear();
    this.pool.trim();
    // Destroying the device also lets Node exit: Dawn keeps the event loop busy otherwise.
    this.device.destroy();
  }
}

/** Bytes a WASM fallback moves: its inputs to WASM, its outputs (and in-place inputs) back. */
export function movedBytes(kernel: KernelName, ins: readonly (WebGpuStorage | null)[], outs: readonly (WebGpuStorage | null)[]): number {
  let bytes = 0;
  for (const s of ins) if (s) bytes += s.numel * 4;
  for (const s of outs) if (s) bytes += s.numel * 4;
  for (const i of IN_PLACE_INPUTS[kernel] ?? []) if (ins[i]) bytes += ins[i]!.numel * 4;
  return bytes;
}
