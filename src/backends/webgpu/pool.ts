/// <reference types="@webgpu/types" />
// A pool of device buffers by size class. A training loop allocates the same sizes step after
// step, so freed buffers are kept and handed out again instead of being destroyed and
// re-created (createBuffer is slow, and destroyed memory is returned late by drivers).
// Reuse is safe without waiting for the GPU: every use of a buffer is recorded in one ordered
// stream (stream.ts), so a reuse always comes after the last use by the previous owner.

/** Size classes: 256-byte steps below 1 MiB, then 1/16-octave steps (at most ~6% waste). */
export function sizeClass(bytes: number): number {
  const b = Math.max(bytes, 16);
  if (b <= 1 << 20) return Math.ceil(b / 256) * 256;
  const step = 2 ** (Math.floor(Math.log2(b)) - 4);
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** bytes of buffers handed out and not yet released */
  liveBytes = 0;
  pooledBytes = 0;
  pooledBuffers = 0;
  /** buffers ever created minus destroyed, in bytes */
  createdBytes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly label: string,
  ) {}

  /** A buffer of at least `bytes` bytes (its size is sizeClass(bytes)). */
  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    let buffer = list?.pop();
    if (buffer) {
      this.pooledBytes -= size;
      this.pooledBuffers--;
    } else {
      buffer = this.device.createBuffer({ size, usage: this.usage, label: `${this.label} ${size}` });
      this.createdBytes += size;
    }
    this.liveBytes += size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const size = buffer.size;
    this.liveBytes -= size;
    this.pooledBytes += size;
    this.pooledBuffers++;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buffer);
  }

  /** Destroys every pooled buffer (live ones are untouched). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.createdBytes -= this.pooledBytes;
    this.pooledBytes = 0;
    this.pooledBuffers = 0;
  }
}
