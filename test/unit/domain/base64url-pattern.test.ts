/**
 * The OpenAPI document's base64url patterns admit exactly what the decoder admits: canonical
 * base64url, whose last character has its padding bits zero. A fuzzer reading the document then
 * never sends as valid a string the API refuses (e.g. "0000000000000000000000" as a ciphertext).
 */
import { BASE64URL_PATTERN, base64urlPattern, decodeBase64url, encodeBase64url } from '@b3iq/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../../lambdas/http/openapi.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const anyLength = new RegExp(BASE64URL_PATTERN);

/** Every string that differs from `text` in its last character only. */
const lastCharVariants = (text: string): string[] => [...ALPHABET].map((last) => text.slice(0, -1) + last);

describe('canonical base64url patterns', () => {
  it('admit the encoding of any bytes, at any length and at that exact length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = encodeBase64url(bytes);
        expect(text).toMatch(anyLength);
        expect(text).toMatch(new RegExp(base64urlPattern(bytes.length)));
      }),
    );
  });

  it('refuse a variant of the last character exactly when the decoder refuses it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (bytes) => {
        const exact = new RegExp(base64urlPattern(bytes.length));
        for (const variant of lastCharVariants(encodeBase64url(bytes))) {
          const decoded = decodeBase64url(variant);
          expect(anyLength.test(variant), variant).toBe(decoded !== undefined);
          expect(exact.test(variant), variant).toBe(decoded?.length === bytes.length);
        }
      }),
    );
  });

  it('refuse any string of the alphabet exactly when the decoder refuses it', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 40 }), (text) => {
        expect(anyLength.test(text), text).toBe(decodeBase64url(text) !== undefined);
      }),
    );
  });

  it.each([
    { bytes: 1, length: 2, last: 'AQgw' },
    { bytes: 2, length: 3, last: 'AEIMQUYcgkosw048' },
    { bytes: 3, length: 4, last: ALPHABET },
  ])('admit $length characters for $bytes bytes, the last one of $last', ({ bytes, length, last }) => {
    const exact = new RegExp(base64urlPattern(bytes));
    const admittedLast = [...ALPHABET].filter((char) => exact.test('A'.repeat(length - 1) + char));
    expect(admittedLast.sort()).toEqual([...last].sort());
    expect(exact.test('A'.repeat(length + 1))).toBe(false);
  });

  it('makes the served document refuse a non-canonical ciphertext and accept a canonical one', () => {
    // Prepare
    const schemas = openApiDocument().components.schemas as Record<string, { properties: Record<string, { pattern: string }> }>;
    const ciphertext = new RegExp(schemas.Envelope!.properties.ciphertext!.pattern);

    // Assess: 22 characters are 16 bytes; the last carries 4 bits canonical encoding zeroes.
    expect(ciphertext.test('0000000000000000000000')).toBe(false);
    expect(ciphertext.test('000000000000000000000w')).toBe(true);
    expect(decodeBase64url('0000000000000000000000')).toBeUndefined();
  });
});
