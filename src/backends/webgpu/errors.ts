// The error of a lost WebGPU device. It names the loss, says what was restored and what was
// not, so a training loop can tell "retry this step" from a bug.
import { CycleGANError } from '../../errors.js';

export interface DeviceLossInfo {
  /** the device's reason ("destroyed: ...", "unknown: ...") or the failed call */
  reason: string;
  /** tensors moved to WASM with the contents they had at the last sync */
  restored: number;
  /** of those, tensors written after the last sync: those writes were discarded */
  discarded: number;
  /** tensors made after the last sync: their contents are gone */
  lost: number;
  /** bytes copied to WASM */
  bytesMoved: number;
}

export class DeviceLostError extends CycleGANError {
  constructor(
    message: string,
    readonly info: DeviceLossInfo,
  ) {
    super(message);
  }

  /** The error for the loss itself, delivered once to the work that was in flight. */
  static forLoss(info: DeviceLossInfo, continuesOn: string | null): DeviceLostError {
    const where = continuesOn ? `the engine continues on ${continuesOn}` : 'no other backend is available';
    return new DeviceLostError(
      `the WebGPU device was lost (${info.reason}); ${where}: ${info.restored} tensors restored as of the last sync ` +
        `(await data() or engine.sync()), ${info.discarded} of them losing writes made since, ${info.lost} tensors ` +
        'made since then lost; retry the interrupted step',
      info,
    );
  }

  /** The error for using a tensor whose contents went with the device. */
  static forTensor(info: DeviceLossInfo, op: string, arg: string): DeviceLostError {
    return new DeviceLostError(
      `${op}: ${arg} was computed on the WebGPU device after the last sync and its contents were lost with the device ` +
        `(${info.reason}); recompute it`,
      info,
    );
  }
}
