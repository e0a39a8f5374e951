/**
 * X25519 public keys that are never accepted: the encodings (top bit of the last byte cleared)
 * of the points whose shared secret is all-zero for any secret key. Listed in
 * `private-transport-v1.md`; the control plane checks them without doing any X25519.
 */

const LOW_ORDER_POINTS_HEX = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
] as const;

const LOW_ORDER_POINTS = new Set<string>(LOW_ORDER_POINTS_HEX);

/** True when a 32-byte X25519 public key is one of the low-order points (top bit ignored). */
function isLowOrderPoint(publicKey: Uint8Array): boolean {
  if (publicKey.length !== 32) return false;
  const masked = Uint8Array.from(publicKey);
  masked[31] &= 0x7f;
  return LOW_ORDER_POINTS.has(Buffer.from(masked).toString('hex'));
}

export { isLowOrderPoint, LOW_ORDER_POINTS_HEX };
