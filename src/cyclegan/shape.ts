// Validation of the models' inputShape argument.
import { AttributeError } from '../errors.js';

/** Checks [channels, height, width] (positive integers, height and width multiples of `multiple`). */
export function checkInputShape(where: string, inputShape: unknown, multiple: number): [number, number, number] {
  const expected = `[channels, height, width] of positive integers, height and width multiples of ${multiple}`;
  if (
    !Array.isArray(inputShape) ||
    inputShape.length !== 3 ||
    !inputShape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 1)
  ) {
    throw new AttributeError(where, 'inputShape', expected, JSON.stringify(inputShape) ?? String(inputShape));
  }
  const [c, h, w] = inputShape as [number, number, number];
  if (h % multiple !== 0 || w % multiple !== 0) {
    throw new AttributeError(where, 'inputShape', expected, JSON.stringify(inputShape));
  }
  return [c, h, w];
}
