// Module resolution hook for the bench (registered by asymmetric-crypto.ts): every import of
// '@noble/curves/ed25519.js' made after registration gets the counting wrapper instead, except
// the wrapper's own import of the real module.
const SPY = new URL('./noble-ed25519-spy.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@noble/curves/ed25519.js' && context.parentURL !== SPY) return { url: SPY, shortCircuit: true };
  return nextResolve(specifier, context);
}
