/**
 * AWS Signature Version 4 for calls to an API Gateway stage with IAM authorization (service
 * `execute-api`), signed with the AWS SDK's own signer, as an operator's script would (README, Admin API).
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** The signer's SHA-256 (`Checksum`): a keyed one is HMAC-SHA256. */
class Sha256 {
  readonly #secret: string | Uint8Array | undefined;
  #chunks: (string | Uint8Array)[] = [];

  constructor(secret?: SourceData) {
    this.#secret = secret === undefined ? undefined : bytesOf(secret);
  }

  update(data: SourceData): void {
    this.#chunks.push(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    const hash = this.#secret === undefined ? createHash('sha256') : createHmac('sha256', this.#secret);
    for (const chunk of this.#chunks) hash.update(chunk);
    return new Uint8Array(hash.digest());
  }

  reset(): void {
    this.#chunks = [];
  }
}

interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The headers to send with a request to `url`: `headers`, plus host, X-Amz-Date and the SigV4 Authorization. */
async function sigV4Headers(
  request: { method: string; url: string; headers: Record<string, string>; body?: string },
  options: { region: string; credentials: AwsCredentials },
): Promise<Record<string, string>> {
  const url = new URL(request.url);
  const signer = new SignatureV4({ service: 'execute-api', region: options.region, credentials: options.credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: request.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port === '' ? {} : { port: Number(url.port) }),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { ...request.headers, host: url.host },
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  return signed.headers;
}

export type { AwsCredentials };
export { sigV4Headers };
