import { describe, expect, it } from 'vitest';
import { surfaceCellError } from '../packages/study/src/cell-error';

describe('surfaceCellError', () => {
  it("writes the error's stack where the runner reads it and returns an error to throw", () => {
    const written: string[] = [];
    const cause = new Error('save failed: record invalid');
    const err = surfaceCellError(cause, 'the final cell', (t) => written.push(t));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^\[casebook\] the final cell failed: Error: save failed: record invalid\n {4}at /);
    expect(err.message).toContain('the final cell failed: Error: save failed: record invalid');
    expect(err.cause).toBe(cause);
  });

  it('bounds a huge message, and describes values that are not errors', () => {
    const written: string[] = [];
    const err = surfaceCellError(new Error('x'.repeat(100_000)), 'cell', (t) => written.push(t));
    expect(err.message.length).toBeLessThan(8_200);
    expect(err.message).toMatch(/more characters\)$/);
    expect(surfaceCellError(undefined, 'cell', () => undefined).message).toBe('cell failed: undefined');
    expect(surfaceCellError(Object.create(null), 'cell', () => undefined).message).toBe('cell failed: [object Object]');
  });

  it('still returns the error when writing fails', () => {
    const err = surfaceCellError('a string', 'cell', () => {
      throw new Error('EBADF');
    });
    expect(err.message).toBe('cell failed: a string');
  });
});
