import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';

/** The Ed25519 group order L. */
const GROUP_ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;

/** R = the identity point, written with the non-canonical y = p + 1 (y ≥ p, which only ZIP-215 decoding allows). */
const NON_CANONICAL_IDENTITY = Uint8Array.from([0xee, ...new Array<number>(30).fill(0xff), 0x7f]);

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  return bytes.reduceRight((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function bigIntToLittleEndian(value: bigint, length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, index) => Number((value >> BigInt(8 * index)) & 0xffn));
}

/**
 * A signature that verifies under ZIP-215 rules but not under RFC 8032 strict decoding: R is the
 * identity point with a non-canonical encoding, and S = k·a, so [S]B = R + [k]A holds exactly.
 */
function zip215OnlySignature(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(secretKey);
  const k = littleEndianToBigInt(sha512(Uint8Array.from([...NON_CANONICAL_IDENTITY, ...pointBytes, ...message]))) % GROUP_ORDER;
  const s = (k * scalar) % GROUP_ORDER;
  return Uint8Array.from([...NON_CANONICAL_IDENTITY, ...bigIntToLittleEndian(s, 32)]);
}

/** The signature with one bit flipped. */
function flipBit(signature: Uint8Array, byte: number, bit = 0): Uint8Array {
  const flipped = Uint8Array.from(signature);
  flipped[byte] ^= 1 << bit;
  return flipped;
}

export { flipBit, zip215OnlySignature };
