// One spelling of CycleGAN in public names; the old spellings stay, deprecated, for one release.
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import { CycleGANError, CycleGanError, ShapeError, type CycleGANModel, type CycleGanModel } from '../../src/index.js';

describe('public names', () => {
  it('spell CycleGAN one way; CycleGanError is the same class under its old name', () => {
    expect(CycleGanError).toBe(CycleGANError);
    const e = new ShapeError('conv2d', 'x', '4-D', '[1, 2]');
    expect(e).toBeInstanceOf(CycleGANError);
    expect(e).toBeInstanceOf(CycleGanError);
    expect(new CycleGANError('x').name).toBe('CycleGANError');
    const mixed = Object.keys(api).filter((k) => /CycleGan/.test(k));
    expect(mixed, 'exports spelled CycleGan other than the deprecated aliases').toEqual(['CycleGanError']);
    // The type alias is the same type.
    const same = (m: CycleGanModel): CycleGANModel => m;
    expect(typeof same).toBe('function');
  });
});
