/**
 * Canonical base64url without padding (RFC 4648 §5), as `b3iq-private-transport-v1` requires:
 * a decoder refuses `=`, characters outside the alphabet, and any string that does not
 * re-encode to itself (e.g. non-zero trailing bits).
 */

const ALPHABET = /^[A-Za-z0-9_-]*$/;

function encodeBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Decodes canonical base64url, or returns `undefined` for anything non-canonical. */
function decodeBase64url(text: string): Uint8Array | undefined {
  if (!ALPHABET.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes base64url that was checked earlier; a non-canonical string here is a programming error. */
function decodeCheckedBase64url(text: string, what: string): Uint8Array {
  const bytes = decodeBase64url(text);
  if (bytes === undefined) throw new Error(`${what} is not canonical base64url`);
  return bytes;
}

export { decodeBase64url, decodeCheckedBase64url, encodeBase64url };
