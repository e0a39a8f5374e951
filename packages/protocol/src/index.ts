/**
 * `@b3iq/protocol`: the B3IQ wire protocol, shared by the control plane's Lambdas, the customer SDK
 * and CLI, and the node agent. No server code and no AWS dependency, only `@noble/*`.
 *
 * Folders import only downwards: schemas ← encoding ← transport ← signatures ← views ← client.
 */
export * from './client/command-line.js';
export * from './client/errors.js';
export * from './client/http.js';
export * from './encoding/base64url.js';
export * from './encoding/ids.js';
export * from './encoding/money.js';
export * from './encoding/timestamp.js';
export * from './schemas/envelope.js';
export * from './schemas/fields.js';
export * from './schemas/listings.js';
export * from './schemas/requests.js';
export * from './schemas/responses.js';
export * from './schemas/schema.js';
export * from './schemas/webhooks.js';
export * from './signatures/node-key-statement.js';
export * from './signatures/node-signature.js';
export * from './signatures/receipt.js';
export * from './signatures/transport-key-record.js';
export * from './signatures/webhook.js';
export * from './transport/envelope.js';
export * from './transport/low-order.js';
export * from './transport/seal.js';
export * from './views/api.js';
export * from './views/problems.js';
