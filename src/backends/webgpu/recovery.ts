// Moving every live tensor to WASM when the WebGPU device is lost (design in backend.ts, (b)).
// Storages are shared by a tensor and its views, so each slot is handled once; the tensors keep
// their identity (their slot gets the new WASM storage), so modules and optimizers that hold
// them go on unchanged. The composite backend (../composite.ts) calls this with the engine's
// live slots.
import type { AnyBackend, StorageSlot } from '../backend.js';
import type { WebGpuBackend } from './backend.js';
import type { WebGpuStorage } from './storage.js';
import { DeviceLostError, type DeviceLossInfo } from './errors.js';

/**
 * The engine's side of a loss: what was restored, and the error the caller must see once.
 * When the device went right after a sync nothing was lost and the work simply goes on;
 * otherwise the next read that rejects, or else the next op, delivers the DeviceLostError.
 */
export class LossState {
  info: DeviceLossInfo | null = null;
  private undelivered: DeviceLostError | null = null;
  /** Without WASM there is nothing to go on with: the error is thrown by every later op. */
  private sticky = false;

  /** Restores the live storages (see restoreAfterLoss) and returns the error for pending reads. */
  onLost(slots: Iterable<StorageSlot>, gpu: WebGpuBackend, wasm: AnyBackend | null, reason: string): DeviceLostError {
    const info = restoreAfterLoss(slots, gpu, wasm, reason);
    this.info = info;
    const error = DeviceLostError.forLoss(info, wasm ? 'WASM' : null);
    if (info.lost > 0 || info.discarded > 0 || !wasm) this.undelivered = error;
    this.sticky = !wasm;
    return error;
  }

  /** Throws the loss error if the caller has not seen it yet. */
  deliver(): void {
    const e = this.undelivered;
    if (!e) return;
    if (!this.sticky) this.undelivered = null;
    throw e;
  }

  /** Notes that e reached the caller (a rejected read) and returns it. */
  delivered(e: unknown): unknown {
    if (e instanceof DeviceLostError && !this.sticky) this.undelivered = null;
    return e;
  }

  /** The error for using a tensor whose contents went with the device. */
  lostTensor(op: string, arg: string): DeviceLostError {
    return DeviceLostError.forTensor(this.info!, op, arg);
  }
}

export function restoreAfterLoss(
  slots: Iterable<StorageSlot>,
  gpu: WebGpuBackend,
  wasm: AnyBackend | null,
  reason: string,
): DeviceLossInfo {
  const info: DeviceLossInfo = { reason, restored: 0, discarded: 0, lost: 0, bytesMoved: 0 };
  const seen = new Set<StorageSlot>();
  for (const slot of slots) {
    if (seen.has(slot) || slot.storage.backend !== 'webgpu') continue;
    seen.add(slot);
    const s = slot.storage as WebGpuStorage;
    const saved = wasm ? gpu.recoverable(s) : null;
    if (!saved) {
      info.lost++;
      continue;
    }
    const moved = wasm!.alloc(s.numel);
    wasm!.write(moved, saved.data);
    gpu.free(s);
    slot.storage = moved;
    info.restored++;
    if (saved.stale) info.discarded++;
    info.bytesMoved += s.numel * 4;
  }
  return info;
}
