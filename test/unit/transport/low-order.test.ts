import { isLowOrderPoint, LOW_ORDER_POINTS_HEX } from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
// The list of `private-transport-v1.md`, not the source's, so a changed source list fails the tests.
import { SPEC_LOW_ORDER_POINTS } from '../../vectors/spec.js';

function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

describe('isLowOrderPoint', () => {
  it('lists exactly the points of the spec (list)', () => {
    expect([...LOW_ORDER_POINTS_HEX]).toEqual(SPEC_LOW_ORDER_POINTS);
  });

  it.each(SPEC_LOW_ORDER_POINTS.map((point, index) => ({ case: `point ${index}`, point })))(
    'rejects a listed low-order point ($case)',
    ({ point }) => {
      expect(isLowOrderPoint(hex(point))).toBe(true);
    },
  );

  it.each(SPEC_LOW_ORDER_POINTS.map((point, index) => ({ case: `point ${index}`, point })))(
    'rejects a listed point with the top bit of byte 31 set ($case)',
    ({ point }) => {
      // Prepare
      const key = hex(point);
      key[31] = key[31]! | 0x80;

      // Act
      const lowOrder = isLowOrderPoint(key);

      // Assess
      expect(key[31]! & 0x80).toBe(0x80);
      expect(lowOrder).toBe(true);
    },
  );

  it.each([1, 2, 3, 4, 5].map((run) => ({ case: `key ${run}` })))('accepts a real X25519 public key ($case)', () => {
    // Prepare
    const publicKey = x25519.getPublicKey(x25519.utils.randomSecretKey());

    // Act
    const lowOrder = isLowOrderPoint(publicKey);

    // Assess
    expect(publicKey).toHaveLength(32);
    expect(lowOrder).toBe(false);
  });

  it.each([
    { case: 'near miss: point 1 with byte 0 = 2', key: hex(`02${'00'.repeat(31)}`) },
    { case: 'near miss: p - 2, next to the listed p - 1', key: hex(`ebff${'ff'.repeat(29)}7f`) },
  ])('accepts a key that is not on the list ($case)', ({ key }) => {
    expect(isLowOrderPoint(key)).toBe(false);
  });

  it.each([
    { case: '31 bytes of a listed point', key: hex(SPEC_LOW_ORDER_POINTS[0]!).subarray(0, 31) },
    { case: '33 bytes starting with a listed point', key: Uint8Array.from([...hex(SPEC_LOW_ORDER_POINTS[1]!), 0]) },
    { case: 'empty', key: new Uint8Array(0) },
  ])('returns false for a key that is not 32 bytes ($case)', ({ key }) => {
    expect(isLowOrderPoint(key)).toBe(false);
  });

  it('does not modify its argument (purity)', () => {
    // Prepare
    const key = hex(SPEC_LOW_ORDER_POINTS[4]!);
    key[31] = 0xff;

    // Act
    isLowOrderPoint(key);

    // Assess
    expect(key[31]).toBe(0xff);
  });
});
