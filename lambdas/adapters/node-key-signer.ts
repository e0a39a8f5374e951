/**
 * The stack's KMS signing key (ECC_NIST_P256): signs transport-key records at enrollment and
 * publishes its public key for the key directory. The private key never leaves KMS.
 */

import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { encodeBase64url } from '@b3iq/protocol';
import type { RecordSigner } from '../services/ports/outside.js';
import { AsyncCache } from './async-cache.js';

class NodeKeySigner implements RecordSigner {
  readonly #client: KMSClient;
  readonly #keyId: string;
  readonly #publicKey = new AsyncCache<'directory', Uint8Array>(() => this.#fetchPublicKey());

  constructor(client: KMSClient, keyId: string) {
    this.#client = client;
    this.#keyId = keyId;
  }

  /** base64url DER ECDSA P-256 SHA-256 signature over the record's UTF-8 bytes. */
  async sign(record: string): Promise<string> {
    const result = await this.#client.send(
      new SignCommand({
        KeyId: this.#keyId,
        Message: new TextEncoder().encode(record),
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (result.Signature === undefined) throw new Error('KMS Sign returned no signature');
    return encodeBase64url(result.Signature);
  }

  /** DER SubjectPublicKeyInfo, fetched once per container. */
  publicKey(): Promise<Uint8Array> {
    return this.#publicKey.get('directory');
  }

  async #fetchPublicKey(): Promise<Uint8Array> {
    const result = await this.#client.send(new GetPublicKeyCommand({ KeyId: this.#keyId }));
    if (result.PublicKey === undefined) throw new Error('KMS GetPublicKey returned no key');
    return result.PublicKey;
  }
}

export { NodeKeySigner };
