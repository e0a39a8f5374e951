import { formatWei, MAX_WEI, parseWei } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('parseWei', () => {
  it.each([
    { case: 'zero', value: '0', expected: 0n },
    { case: 'one', value: '1', expected: 1n },
    { case: '38 nines', value: '9'.repeat(38), expected: 10n ** 38n - 1n },
    { case: '38 digits with zeros inside', value: `1${'0'.repeat(37)}`, expected: 10n ** 37n },
  ])('parses a canonical wei string ($case)', ({ value, expected }) => {
    expect(parseWei(value)).toBe(expected);
  });

  it.each([
    { case: '39 digits', value: `1${'0'.repeat(38)}` },
    { case: 'leading zero', value: '01' },
    { case: 'double zero', value: '00' },
    { case: 'negative', value: '-1' },
    { case: 'decimal point', value: '1.0' },
    { case: 'leading space', value: ' 1' },
    { case: 'trailing newline', value: '1\n' },
    { case: 'exponent', value: '1e3' },
    { case: 'plus sign', value: '+1' },
    { case: 'hex', value: '0x10' },
    { case: 'empty string', value: '' },
    { case: 'number', value: 1 },
    { case: 'bigint', value: 1n },
    { case: 'null', value: null },
    { case: 'undefined', value: undefined },
  ])('returns undefined for a value that breaks the pattern ($case)', ({ value }) => {
    expect(parseWei(value)).toBeUndefined();
  });
});

describe('formatWei', () => {
  it('round-trips through parseWei for every amount in range (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_WEI }), (amount) => {
        // Act
        const text = formatWei(amount);

        // Assess
        expect(text).toMatch(/^(0|[1-9][0-9]{0,37})$/);
        expect(parseWei(text)).toBe(amount);
      }),
    );
  });

  it.each([
    { case: 'minus one', amount: -1n },
    { case: '10^38', amount: 10n ** 38n },
    { case: 'far too large', amount: 10n ** 60n },
  ])('throws RangeError outside 0..10^38-1 ($case)', ({ amount }) => {
    expect(() => formatWei(amount)).toThrow(RangeError);
  });

  it('formats the bounds exactly (boundaries)', () => {
    expect(formatWei(0n)).toBe('0');
    expect(formatWei(MAX_WEI)).toBe('9'.repeat(38));
  });
});
