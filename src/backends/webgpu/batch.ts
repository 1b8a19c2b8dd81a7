/// <reference types="@webgpu/types" />
// The open batch of the WebGPU stream (stream.ts): one command encoder collecting compute
// passes and copies until it is submitted, the uniform params of its passes in one arena
// buffer, the dummy buffers absent storages are bound to, and the error scopes that say
// whether the device accepted it.
import type { WgslPass } from './spec.js';
import type { PreparedPass } from './pipelines.js';
import { BufferUsage } from './storage.js';

/** Passes per submission: bounds the params arena and the work lost to one failed batch. */
export const MAX_PASSES = 256;
const ARENA_BYTES = 1 << 16;

/** A storage binding of a dispatch: a buffer and the bytes of it the kernel sees. */
export interface Bound {
  buffer: GPUBuffer;
  bytes: number;
}

export class Batch {
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private passCount = 0;
  /** buffers the unsubmitted encoder uses: an upload to one of them must wait for a submit */
  readonly used = new Set<GPUBuffer>();
  private arena: GPUBuffer;
  private arenaCpu = new ArrayBuffer(ARENA_BYTES);
  private arenaUsed = 0;
  private readonly dummies: GPUBuffer[] = [];
  private scopeChecks: Promise<GPUError | null>[] = [];

  constructor(private readonly device: GPUDevice) {
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label: 'params' });
  }

  /** Device bytes held here (params arena and dummies). */
  get bytes(): number {
    return this.arena.size + this.dummies.length * 16;
  }

  /** Submits first when the batch cannot take these passes (count or params). */
  reserve(passes: PreparedPass[]): void {
    const arena = passes.reduce((sum, p) => sum + this.slotBytes(paramBytes(p.pass.params)), 0);
    if (this.passCount + passes.length > MAX_PASSES || this.arenaUsed + arena > this.arenaCpu.byteLength) this.submit();
  }

  /** Records one dispatch; `bind(i)` gives binding i's buffer, or null for an absent storage. */
  dispatch(pass: WgslPass, pipeline: GPUComputePipeline, layout: GPUBindGroupLayout, bind: (i: number) => Bound | null): void {
    const entries: GPUBindGroupEntry[] = pass.bindings.map((_, i) => {
      const b = bind(i);
      if (!b) return { binding: i, resource: { buffer: this.dummy(i) } };
      this.used.add(b.buffer);
      return { binding: i, resource: { buffer: b.buffer, size: Math.max(4, b.bytes) } };
    });
    const { offset, size } = this.params(pass.params);
    entries.push({ binding: pass.bindings.length, resource: { buffer: this.arena, offset, size } });
    const group = this.device.createBindGroup({ layout, entries });
    if (!this.pass) this.pass = this.commandEncoder().beginComputePass();
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(pass.workgroups[0], pass.workgroups[1], pass.workgroups[2]);
    this.passCount++;
  }

  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.endPass();
    this.commandEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.used.add(src);
    this.used.add(dst);
  }

  /** queue.writeBuffer, after submitting the batch when it still uses the buffer (it would jump ahead of it). */
  write(buffer: GPUBuffer, values: Float32Array): void {
    if (this.used.has(buffer)) this.submit();
    if (values.length) this.device.queue.writeBuffer(buffer, 0, values.buffer, values.byteOffset, values.byteLength);
  }

  /** Submits the batch, if any; its params are uploaded first (queue operations keep their order). */
  submit(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.arenaUsed) this.device.queue.writeBuffer(this.arena, 0, this.arenaCpu, 0, this.arenaUsed);
    this.device.queue.submit([this.encoder.finish()]);
    this.scopeChecks.push(this.device.popErrorScope(), this.device.popErrorScope());
    this.encoder = null;
    this.passCount = 0;
    this.arenaUsed = 0;
    this.used.clear();
  }

  /** Throws when the device rejected a submitted batch (validation, out of memory). */
  async checkErrors(): Promise<void> {
    const checks = this.scopeChecks;
    this.scopeChecks = [];
    const errors = (await Promise.all(checks)).filter((e): e is GPUError => e !== null);
    if (errors.length) throw new Error(`WebGPU reported: ${errors.map((e) => e.message).join('; ')}`);
  }

  destroy(): void {
    this.arena.destroy();
    for (const d of this.dummies) d.destroy();
  }

  private commandEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      // Validation and out-of-memory errors of the batch are checked before data is handed out.
      this.device.pushErrorScope('validation');
      this.device.pushErrorScope('out-of-memory');
      this.encoder = this.device.createCommandEncoder();
    }
    return this.encoder;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  private slotBytes(bytes: number): number {
    const align = this.device.limits.minUniformBufferOffsetAlignment;
    return Math.ceil(bytes / align) * align;
  }

  /** Writes a pass's params into the arena; the binding's offset and size. */
  private params(params: WgslPass['params']): { offset: number; size: number } {
    const size = paramBytes(params);
    const slot = this.slotBytes(size);
    if (this.arenaUsed + slot > this.arenaCpu.byteLength) {
      // Only a pass with huge params gets here (reserve() submitted before the item).
      this.submit();
      if (slot > this.arenaCpu.byteLength) {
        this.arena.destroy(); // still valid for work already submitted
        this.arenaCpu = new ArrayBuffer(slot);
        this.arena = this.device.createBuffer({ size: slot, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label: 'params' });
      }
    }
    const offset = this.arenaUsed;
    const u = new Uint32Array(this.arenaCpu, offset, size / 4);
    const i = new Int32Array(this.arenaCpu, offset, size / 4);
    const f = new Float32Array(this.arenaCpu, offset, size / 4);
    u.fill(0);
    params.forEach((p, k) => {
      if (p.type === 'f32') f[k] = p.value;
      else if (p.type === 'i32') i[k] = p.value;
      else u[k] = p.value >>> 0;
    });
    this.arenaUsed += slot;
    return { offset, size };
  }

  /** One small buffer per binding slot: two absent storages of one pass must not alias. */
  private dummy(i: number): GPUBuffer {
    while (this.dummies.length <= i) {
      const usage = BufferUsage.STORAGE | BufferUsage.COPY_DST;
      this.dummies.push(this.device.createBuffer({ size: 16, usage, label: `dummy ${this.dummies.length}` }));
    }
    return this.dummies[i];
  }
}

/** The uniform Params struct: 4 bytes a field, padded to 16. */
function paramBytes(params: WgslPass['params']): number {
  return Math.max(16, Math.ceil((params.length * 4) / 16) * 16);
}
