import { errorCodesText, isErrorDominated, phaseErrors } from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

describe('error-dominated measurements (more than 1 % of requests failed)', () => {
  it('is error-dominated above 1 % failed, not at or below it, and not with no attempt', () => {
    expect(isErrorDominated({ errors: 3751, attempts: 5120 })).toBe(true);
    expect(isErrorDominated({ errors: 52, attempts: 5120 })).toBe(true);
    expect(isErrorDominated({ errors: 51, attempts: 5120 })).toBe(false);
    expect(isErrorDominated({ errors: 0, attempts: 0 })).toBe(false);
  });

  it('sums the measured trials and names the codes, largest first', () => {
    const e = phaseErrors({
      trials: [
        { sent: 512, errors: { total: 292, byCode: { PoolTimeout: 290, ConnectTimeout: 2 } } },
        { sent: 512, errors: { total: 10, byCode: { PoolTimeout: 10 } } },
      ],
    });
    expect(e).toMatchObject({ errors: 302, attempts: 1024, dominated: true });
    expect(errorCodesText(e.byCode)).toBe('PoolTimeout 300, ConnectTimeout 2');
    expect(phaseErrors({ trials: [{ sent: 512, errors: { total: 0, byCode: {} } }] }).dominated).toBe(false);
  });
});
