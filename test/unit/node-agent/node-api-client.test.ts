/**
 * The node signs the path relative to its `--api-url`, so its signature holds behind a custom domain
 * with a base path (`https://api.example.com/b3iq` mapped to the stage) as on the stage URL.
 */
import { encodeBase64url, nodeSignatureProblem } from '@b3iq/protocol';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { NodeApiClient } from '../../../packages/node-agent/src/node-api-client.js';

const SECRET_KEY = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
const PUBLIC_KEY = encodeBase64url(ed25519.getPublicKey(SECRET_KEY));

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A fetch that records the request and answers an empty pull. */
function recordingFetch(sent: Sent[]): typeof fetch {
  return async (input, init) => {
    sent.push({ url: String(input), headers: init?.headers as Record<string, string>, body: String(init?.body ?? '') });
    return new Response(JSON.stringify({ commands: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  };
}

describe('NodeApiClient behind an API URL with a path prefix', () => {
  it.each([
    { apiUrl: 'https://api.example.com/b3iq', url: 'https://api.example.com/b3iq/v1/nodes/node-a/commands/pull' },
    { apiUrl: 'https://api.example.com/inference/b3iq/', url: 'https://api.example.com/inference/b3iq/v1/nodes/node-a/commands/pull' },
    {
      apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod',
      url: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/v1/nodes/node-a/commands/pull',
    },
  ])('calls $url and signs only the path from the API root', async ({ apiUrl, url }) => {
    const sent: Sent[] = [];
    const client = new NodeApiClient({ apiUrl, nodeId: 'node-a', identitySecretKey: SECRET_KEY, fetch: recordingFetch(sent) });
    await client.pull({ maxCommands: 1, waitSeconds: 0, leaseSeconds: 60 });
    expect(sent).toHaveLength(1);
    const [request] = sent as [Sent];
    expect(request.url).toBe(url);
    const signed = (path: string) => ({
      method: 'POST',
      path,
      timestamp: request.headers['X-B3IQ-Timestamp'] ?? '',
      nonce: request.headers['X-B3IQ-Nonce'] ?? '',
      body: request.body,
    });
    const signature = request.headers['X-B3IQ-Signature'];
    const now = Number(request.headers['X-B3IQ-Timestamp']) * 1000;
    expect(request.headers['X-B3IQ-Node-ID']).toBe('node-a');
    expect(nodeSignatureProblem(PUBLIC_KEY, signed('/v1/nodes/node-a/commands/pull'), signature, now)).toBeUndefined();
    expect(nodeSignatureProblem(PUBLIC_KEY, signed(new URL(url).pathname), signature, now)).toBe('the signature does not verify');
  });
});
