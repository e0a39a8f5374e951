import { decodeBase64url, decodeCheckedBase64url, encodeBase64url } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

describe('encodeBase64url', () => {
  it.each([
    { case: 'empty', bytes: [], expected: '' },
    { case: 'one byte', bytes: [0xfb], expected: '-w' },
    { case: 'two bytes', bytes: [0xff, 0xff], expected: '__8' },
    { case: 'three bytes', bytes: [0xfb, 0xff, 0xbf], expected: '-_-_' },
  ])('writes the url alphabet without padding ($case)', ({ bytes, expected }) => {
    expect(encodeBase64url(Uint8Array.from(bytes))).toBe(expected);
  });

  it('encodes only the view of a subarray, not its whole buffer (subarray)', () => {
    // Prepare
    const whole = Uint8Array.from([1, 2, 3, 4, 5, 6]);

    // Act
    const text = encodeBase64url(whole.subarray(2, 5));

    // Assess
    expect(text).toBe(Buffer.from([3, 4, 5]).toString('base64url'));
  });
});

describe('decodeBase64url', () => {
  it.each([
    { case: 'empty', text: '', expected: [] },
    { case: 'one byte', text: 'AA', expected: [0] },
    { case: 'dash and underscore', text: '-_-_', expected: [0xfb, 0xff, 0xbf] },
    { case: 'two bytes', text: '__8', expected: [0xff, 0xff] },
  ])('decodes canonical base64url ($case)', ({ text, expected }) => {
    expect(decodeBase64url(text)).toEqual(Uint8Array.from(expected));
  });

  it.each([
    { case: 'padding after one byte', text: 'AA==' },
    { case: 'single padding', text: '__8=' },
    { case: 'plus from the standard alphabet', text: '+w' },
    { case: 'slash from the standard alphabet', text: '/w' },
    { case: 'inner space', text: 'AA AA' },
    { case: 'leading space', text: ' AAAA' },
    { case: 'trailing newline', text: 'AAAA\n' },
    { case: 'tab', text: 'AA\tAA' },
    { case: 'non-zero trailing bits after one byte', text: 'AB' },
    { case: 'non-zero trailing bits after two bytes', text: 'AAB' },
    { case: 'length % 4 == 1, one char', text: 'A' },
    { case: 'length % 4 == 1, five chars', text: 'AAAAA' },
    { case: 'non-ASCII letter', text: 'AAé' },
    { case: 'dot', text: 'AA.A' },
  ])('returns undefined for a non-canonical string ($case)', ({ text }) => {
    expect(decodeBase64url(text)).toBeUndefined();
  });

  it('decodes what encodeBase64url wrote back to the same bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        // Act
        const decoded = decodeBase64url(encodeBase64url(bytes));

        // Assess
        expect(decoded).toEqual(bytes);
      }),
    );
  });

  it('accepts a string only if it re-encodes to itself (property)', () => {
    const unit = fc.constantFrom(...`${ALPHABET}=+/ `.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 24 }), (text) => {
        // Act
        const decoded = decodeBase64url(text);

        // Assess
        if (decoded !== undefined) expect(encodeBase64url(decoded)).toBe(text);
        else
          expect(/^[A-Za-z0-9_-]*$/.test(text) && Buffer.from(Buffer.from(text, 'base64url')).toString('base64url') === text).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decodeCheckedBase64url', () => {
  it('decodes a string that was checked earlier (checked)', () => {
    expect(decodeCheckedBase64url('-_-_', 'the nonce')).toEqual(Uint8Array.from([0xfb, 0xff, 0xbf]));
  });

  it.each([
    { case: 'padding', text: 'AA==' },
    { case: 'non-zero trailing bits', text: 'AB' },
  ])('throws, naming what it decoded but not its value, for a non-canonical string ($case)', ({ text }) => {
    expect(() => decodeCheckedBase64url(text, 'the nonce')).toThrow(new Error('the nonce is not canonical base64url'));
  });
});
