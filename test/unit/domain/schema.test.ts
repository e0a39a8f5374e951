import { base64urlLength, fieldsOf, type ObjectSchema, patternOf, type StringSchema } from '@b3iq/protocol';
import { describe, expect, it } from 'vitest';

describe('patternOf', () => {
  it('compiles a schema pattern once and answers the same RegExp afterwards (cache)', () => {
    // Prepare
    const schema = { type: 'string', pattern: '^[a-z]{1,3}$' } as const satisfies StringSchema;

    // Act
    const first = patternOf(schema);
    const second = patternOf(schema);

    // Assess
    expect(second).toBe(first);
    expect(first.test('abc')).toBe(true);
    expect(first.test('abcd')).toBe(false);
  });

  it('keeps one RegExp per schema, even for equal patterns (per schema)', () => {
    // Prepare
    const a = { type: 'string', pattern: '^x$' } as const satisfies StringSchema;
    const b = { type: 'string', pattern: '^x$' } as const satisfies StringSchema;

    // Act
    const [forA, forB] = [patternOf(a), patternOf(b)];

    // Assess
    expect(forA).not.toBe(forB);
    expect(patternOf(a)).toBe(forA);
  });
});

describe('fieldsOf', () => {
  it('lists the properties in their declared order (order)', () => {
    // Prepare
    const schema: ObjectSchema = {
      type: 'object',
      properties: { zeta: { type: 'boolean' }, alpha: { type: 'integer', minimum: 0 }, mid: { type: 'string' } },
    };

    // Act
    const fields = fieldsOf(schema);

    // Assess
    expect(fields).toEqual(['zeta', 'alpha', 'mid']);
  });
});

describe('base64urlLength', () => {
  it.each([
    { bytes: 0, length: 0 },
    { bytes: 1, length: 2 },
    { bytes: 2, length: 3 },
    { bytes: 3, length: 4 },
    { bytes: 12, length: 16 },
    { bytes: 32, length: 43 },
    { bytes: 64, length: 86 },
  ])('is the unpadded base64url length of $bytes bytes', ({ bytes, length }) => {
    expect(base64urlLength(bytes)).toBe(length);
    expect(Buffer.alloc(bytes).toString('base64url')).toHaveLength(length);
  });
});
