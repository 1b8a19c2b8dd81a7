/// <reference types="@webgpu/types" />
// The ordered stream of work of the WebGPU backend. Ops return immediately (the API is
// synchronous), so every dispatch, upload, copy, readback and WASM fallback is recorded here
// as an item, in call order, and a pump turns items into command encoders and submissions:
//
// - Dispatches are batched: one encoder collects every pass until a readback, a fallback or
//   MAX_PASSES forces a submit; the pump starts at the end of the current JS turn (a
//   microtask), so a whole forward pass usually becomes one submission.
// - Everything is in one order, so a freed buffer can go back to the pool at once: its next
//   owner's writes are recorded after its last use. Uploads (queue.writeBuffer) are the one
//   thing that would jump ahead of the unsubmitted encoder, so the encoder is submitted first
//   when it still uses the target buffer.
// - A readback or a WASM fallback needs data on the host, which WebGPU only gives
//   asynchronously (mapAsync): the pump submits, awaits the map, runs the fallback kernel on
//   WASM and uploads its outputs, then goes on with the items recorded meanwhile. The caller
//   never waits unless it awaits data().
// - A new pipeline is awaited before its first dispatch is encoded; one that failed makes its
//   op run on WASM (auto) or poisons its outputs so that reading them rejects (strict).
// - Each readback also copies every live tensor whose host copy is stale (device-loss
//   recovery: see backend.ts), in the same mapping, so the host copies are all from one point.
import type { KernelName } from '../../kernels/contract.js';
import type { AnyBackend } from '../backend.js';
import type { PreparedPass } from './pipelines.js';
import { BufferPool } from './pool.js';
import { Batch, MAX_PASSES } from './batch.js';
import { BufferUsage, MAP_MODE_READ, type WebGpuStorage } from './storage.js';
import { IN_PLACE_INPUTS, runOnHost } from './host.js';
import { errorText } from './gpu.js';

/** A storage an item writes, with the version the write gives it (for host copies). */
export interface Written {
  s: WebGpuStorage;
  version: number;
}

interface ItemBase {
  kernel: KernelName;
  attrs: unknown;
  ins: readonly (WebGpuStorage | null)[];
  outs: readonly (WebGpuStorage | null)[];
  inVersions: readonly number[];
  writes: Written[];
}
export interface GpuItem extends ItemBase {
  kind: 'gpu';
  passes: PreparedPass[];
  /**
   * Temporary buffers, taken from the pool when the item is enqueued and released right after:
   * the pool lives in enqueue order, so taking them here in the pump could hand out a buffer
   * that items still queued before its release use.
   */
  scratch: { buffer: GPUBuffer; numel: number }[];
}
export interface HostItem extends ItemBase {
  kind: 'host';
}
export interface WriteItem {
  kind: 'write';
  dst: WebGpuStorage;
  data: Float32Array;
}
export interface CopyItem {
  kind: 'copy';
  src: WebGpuStorage;
  dst: WebGpuStorage;
}
export interface ReadItem {
  kind: 'read';
  /** what to read (null: only a sync point) and the stale host copies to refresh */
  targets: Written[];
  wantsTarget: boolean;
  settle: (err: Error | null, data: Float32Array | null) => void;
}
export type Item = GpuItem | HostItem | WriteItem | CopyItem | ReadItem;

export interface StreamHooks {
  /** A pipeline of this item failed: true lets it run on WASM (auto), false poisons its outputs. */
  pipelineFailed(item: GpuItem, error: string): boolean;
  /** The device is gone (reason given): restore what can be, and return the error pending reads reject with. */
  lost(reason: string): Error;
  /** Keep host copies of what the stream reads or computes on the host. */
  readonly keepShadows: boolean;
}

export class Stream {
  private items: Item[] = [];
  private running: Promise<void> | null = null;
  private scheduled = false;
  private current: Item | null = null;
  dead = false;
  disposed = false;
  private readonly batch: Batch;
  readonly staging: BufferPool;

  constructor(
    private readonly device: GPUDevice,
    private readonly wasm: AnyBackend | null,
    private readonly hooks: StreamHooks,
  ) {
    this.staging = new BufferPool(device, BufferUsage.MAP_READ | BufferUsage.COPY_DST, 'readback');
    this.batch = new Batch(device);
  }

  /** Bytes the stream itself holds on the device (params arena, dummies, readback staging). */
  get internalBytes(): number {
    return this.batch.bytes + this.staging.createdBytes;
  }

  get idle(): boolean {
    return this.items.length === 0 && this.running === null;
  }

  enqueue(item: Item): void {
    if (this.dead || this.disposed) {
      if (item.kind === 'read') item.settle(new Error('the WebGPU stream is closed'), null);
      return;
    }
    this.items.push(item);
    if (this.items.length >= MAX_PASSES) void this.kick();
    else if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        void this.kick();
      });
    }
  }

  /** Starts the pump unless it runs; resolves when the queue is empty. */
  kick(): Promise<void> {
    if (!this.running) {
      this.running = this.pump().finally(() => {
        this.running = null;
        if (this.items.length && !this.dead && !this.disposed) void this.kick();
      });
    }
    return this.running;
  }

  private async pump(): Promise<void> {
    try {
      while (this.items.length && !this.dead && !this.disposed) {
        const item = this.items[0];
        if (item.kind === 'gpu') {
          const waiting = item.passes.find((p) => p.pipeline.state === 'pending');
          if (waiting) {
            this.batch.submit();
            await waiting.pipeline.settled;
            continue;
          }
          this.items.shift();
          this.runGpu(item);
        } else {
          this.items.shift();
          if (item.kind === 'write') this.runWrite(item);
          else if (item.kind === 'copy') this.runCopy(item);
          else {
            this.current = item;
            await this.runFetching(item);
            this.current = null;
          }
        }
      }
      this.batch.submit();
    } catch (e) {
      await this.fail(e);
    }
  }

  // ---------------------------------------------------------------- items

  private runGpu(item: GpuItem): void {
    const bad = item.passes.find((p) => p.pipeline.state === 'bad');
    if (bad) {
      if (this.hooks.pipelineFailed(item, bad.pipeline.error ?? 'unknown error')) {
        this.items.unshift({ ...item, kind: 'host' });
      } else {
        poison(item.writes, new Error(`kernel '${item.kernel}' could not run on WebGPU: ${bad.pipeline.error}`));
      }
      return;
    }
    const poisoned = item.ins.find((s) => s?.poison);
    if (poisoned) return poison(item.writes, poisoned.poison!);
    this.batch.reserve(item.passes);
    for (const { pass, pipeline } of item.passes) {
      if (pass.workgroups.some((w) => w === 0)) continue;
      // Each storage is bound with its exact size, so arrayLength() is its element count.
      this.batch.dispatch(pass, pipeline.pipeline!, pipeline.layout!, (i) => {
        const b = pass.bindings[i];
        if (b.kind === 'scratch') return { buffer: item.scratch[b.index].buffer, bytes: item.scratch[b.index].numel * 4 };
        const s = b.kind === 'in' ? item.ins[b.index] : item.outs[b.index];
        return s ? { buffer: s.buffer!, bytes: s.numel * 4 } : null;
      });
    }
    for (const w of item.writes) w.s.poison = null;
  }

  private runWrite(item: WriteItem): void {
    item.dst.poison = null;
    if (item.dst.host) {
      item.dst.host.set(item.data);
      return;
    }
    this.batch.write(item.dst.buffer!, item.data);
  }

  private runCopy(item: CopyItem): void {
    item.dst.poison = item.src.poison;
    if (item.src.numel > 0) this.batch.copy(item.src.buffer!, 0, item.dst.buffer!, 0, item.src.numel * 4);
  }

  /** A readback or a WASM fallback: fetch contents to the host, then finish the item. */
  private async runFetching(item: ReadItem | HostItem): Promise<void> {
    if (item.kind === 'host') {
      const poisoned = item.ins.find((s) => s?.poison);
      if (poisoned) return poison(item.writes, poisoned.poison!);
    }
    const sources: Written[] =
      item.kind === 'read' ? item.targets : item.ins.flatMap((s, i) => (s ? [{ s, version: item.inVersions[i] }] : []));
    // Poisoned contents are never read (a read of a poisoned target rejects with its error).
    const fetchList = sources.filter((x) => !x.s.poison);
    // A sync point (a read without target) must also wait for work that needs no copy.
    const data = await this.fetch(fetchList, item.kind === 'read' && !item.wantsTarget);
    if (this.dead || this.disposed) return;
    await this.batch.checkErrors();
    const byStorage = new Map<WebGpuStorage, Float32Array>();
    fetchList.forEach((x, i) => byStorage.set(x.s, data[i]));
    if (item.kind === 'read') {
      if (this.hooks.keepShadows) for (const x of fetchList) setShadow(x, byStorage.get(x.s)!);
      if (!item.wantsTarget) return item.settle(null, null);
      const target = sources[0].s;
      if (target.poison) return item.settle(target.poison, null);
      return item.settle(null, byStorage.get(target)!.slice());
    }
    const result = runOnHost(
      this.wasm!,
      item.kernel,
      item.attrs as never,
      item.ins.map((s) => (s ? byStorage.get(s)! : null)),
      item.outs.map((s) => (s ? s.numel : null)),
    );
    const written = new Map<WebGpuStorage, Float32Array>();
    item.outs.forEach((s, i) => s && written.set(s, result.outputs[i]!));
    for (const [i, values] of result.updated) written.set(item.ins[i]!, values);
    for (const [s, values] of written) {
      s.poison = null;
      if (s.host) s.host.set(values);
      else this.batch.write(s.buffer!, values);
    }
    if (this.hooks.keepShadows) for (const w of item.writes) if (written.has(w.s)) setShadow(w, written.get(w.s)!);
  }

  /**
   * Contents of storages at this point of the stream: host-resident ones and current host
   * copies directly, the rest through one staging buffer and one mapAsync.
   */
  private async fetch(sources: Written[], waitForIdle = false): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    const copies: { i: number; offset: number; bytes: number }[] = [];
    let total = 0;
    sources.forEach(({ s, version }, i) => {
      if (s.host) out[i] = s.host.slice();
      else if (s.shadow && s.shadowVersion === version) out[i] = expand(s.shadow, s.numel);
      else if (s.numel === 0) out[i] = new Float32Array(0);
      else {
        copies.push({ i, offset: total, bytes: s.numel * 4 });
        total += s.numel * 4;
      }
    });
    if (!copies.length) {
      if (waitForIdle) {
        this.batch.submit();
        await this.device.queue.onSubmittedWorkDone();
      }
      return out;
    }
    const staging = this.staging.acquire(total);
    for (const c of copies) this.batch.copy(sources[c.i].s.buffer!, 0, staging, c.offset, c.bytes);
    this.batch.submit();
    await staging.mapAsync(MAP_MODE_READ, 0, total);
    const all = new Float32Array(staging.getMappedRange(0, total).slice(0));
    staging.unmap();
    this.staging.release(staging);
    for (const c of copies) out[c.i] = all.subarray(c.offset / 4, (c.offset + c.bytes) / 4);
    return out;
  }

  // ---------------------------------------------------------------- failure and teardown

  /** A failed call: a lost device, or an error that leaves nothing the device computes trustworthy. */
  private async fail(e: unknown): Promise<void> {
    if (this.dead || this.disposed) return;
    // A lost device often shows first as a rejected mapAsync; its lost promise says why.
    const info = await Promise.race([
      this.device.lost.then((i) => `${i.reason}: ${i.message}`),
      new Promise<null>((r) => setTimeout(() => r(null), 50)),
    ]);
    if (this.dead || this.disposed) return;
    this.die(info ?? `a WebGPU call failed (${errorText(e)}); the device is no longer trusted`);
  }

  /** Stops the stream for good: the owner restores what it can; every pending read rejects. */
  die(reason: string): void {
    if (this.dead || this.disposed) return;
    this.dead = true;
    const error = this.hooks.lost(reason);
    const pending = [this.current, ...this.items];
    this.items = [];
    for (const it of pending) if (it?.kind === 'read') it.settle(error, null);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const error = new Error('the engine was disposed before the read completed');
    for (const it of [this.current, ...this.items]) if (it?.kind === 'read') it.settle(error, null);
    this.items = [];
    this.staging.trim();
    this.batch.destroy();
  }
}

function poison(writes: Written[], error: Error): void {
  for (const w of writes) w.s.poison = error;
}

function setShadow(w: Written, values: Float32Array): void {
  if (w.s.freed || w.s.shadowVersion >= w.version) return;
  w.s.shadow = values.slice();
  w.s.shadowVersion = w.version;
}

export function expand(shadow: Float32Array | { fill: number }, numel: number): Float32Array {
  return shadow instanceof Float32Array ? shadow.slice() : new Float32Array(numel).fill(shadow.fill);
}

export { IN_PLACE_INPUTS };
