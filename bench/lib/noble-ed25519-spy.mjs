// '@noble/curves/ed25519.js' as the bench's modules see it: the same module, with the asymmetric
// operations of x25519 and ed25519 counted (noble freezes its objects, so they are copied, not patched).
import * as real from '@noble/curves/ed25519.js';

export * from '@noble/curves/ed25519.js';

const record = (name) => globalThis[Symbol.for('b3iq.bench.asymmetric')]?.(name);

function counted(object, objectName, methods) {
  const copy = { ...object };
  for (const method of methods) {
    if (typeof object[method] !== 'function') continue;
    copy[method] = (...args) => {
      record(`noble ${objectName}.${method}`);
      return object[method](...args);
    };
  }
  return Object.freeze(copy);
}

export const x25519 = counted(real.x25519, 'x25519', ['getSharedSecret', 'scalarMult', 'scalarMultBase', 'getPublicKey']);
export const ed25519 = counted(real.ed25519, 'ed25519', ['sign', 'verify', 'getPublicKey']);
