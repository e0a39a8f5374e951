/**
 * Seal and open timings of `b3iq-private-transport-v1`: noble (`packages/protocol/src/transport/seal.ts`, what the
 * SDK and the node use) against the node:crypto (OpenSSL) reference of the tests, request direction.
 * Each seal draws a fresh ephemeral key and nonce, as in use; each open opens one envelope sealed once.
 * Run alone it prints a markdown table and writes `bench/results/transport.json`; `npm run bench`
 * (bench/run.ts) imports `measureTransport` and puts the same rows in `bench/results/latest.json`.
 *
 *   npx tsx --conditions=b3iq-source bench/transport.ts
 *
 * The "512 KiB" row uses 512 KiB − 16 bytes of plaintext: its ciphertext (plaintext + 16-byte tag) is
 * then exactly the 512 KiB limit, the largest envelope `openEnvelope` accepts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { MAX_CIPHERTEXT_BYTES, openEnvelope, sealEnvelope } from '@b3iq/protocol';
import { x25519 } from '@noble/curves/ed25519.js';
import { refOpen, refPublicKey, refSeal } from '../test/unit/transport/reference-openssl.js';

const BINDING = { key_id: 'tk-bench', node_id: 'node-bench', model_id: 'llama-3.1-8b-instruct' };
const NODE_SECRET = Uint8Array.from({ length: 32 }, (_, index) => (index * 29 + 7) & 0xff);
const NODE_PUBLIC = x25519.getPublicKey(NODE_SECRET);

interface Size {
  label: string;
  bytes: number;
  warmup: number;
  iterations: number;
}

const SIZES: Size[] = [
  { label: '1 KiB', bytes: 1024, warmup: 50, iterations: 200 },
  { label: '512 KiB', bytes: MAX_CIPHERTEXT_BYTES - 16, warmup: 10, iterations: 50 },
];

interface TransportRow {
  operation: 'seal' | 'open';
  size: string;
  plaintext_bytes: number;
  iterations: number;
  noble_median_us: number;
  node_crypto_median_us: number;
  ratio_noble_over_node_crypto: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median wall time of `run` in microseconds, after `warmup` untimed calls. */
function time(run: () => unknown, warmup: number, iterations: number): number {
  for (let index = 0; index < warmup; index += 1) run();
  const samples: number[] = [];
  for (let index = 0; index < iterations; index += 1) {
    const start = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return median(samples);
}

function formatDuration(microseconds: number): string {
  return microseconds < 1000 ? `${microseconds.toFixed(1)} µs` : `${(microseconds / 1000).toFixed(2)} ms`;
}

function plaintextOf(bytes: number): Uint8Array {
  return Uint8Array.from({ length: bytes }, (_, index) => (index * 131 + 17) & 0xff);
}

/** Seal and open medians for each size, noble against node:crypto. */
function measureTransport(): TransportRow[] {
  const rows: TransportRow[] = [];
  const referencePublic = refPublicKey(NODE_SECRET);
  for (const size of SIZES) {
    const plaintext = plaintextOf(size.bytes);
    const envelope = sealEnvelope('request', NODE_PUBLIC, BINDING, plaintext).envelope;
    // Both implementations must open the envelope they are timed on, to the same bytes.
    if (!isDeepStrictEqual(openEnvelope('request', NODE_SECRET, envelope, BINDING), plaintext)) throw new Error('noble open failed');
    if (!isDeepStrictEqual(refOpen('request', NODE_SECRET, envelope, BINDING), plaintext)) throw new Error('node:crypto open failed');

    const operations = [
      {
        operation: 'seal' as const,
        noble: () => sealEnvelope('request', NODE_PUBLIC, BINDING, plaintext),
        reference: () => refSeal('request', referencePublic, BINDING, plaintext),
      },
      {
        operation: 'open' as const,
        noble: () => openEnvelope('request', NODE_SECRET, envelope, BINDING),
        reference: () => refOpen('request', NODE_SECRET, envelope, BINDING),
      },
    ];
    for (const { operation, noble, reference } of operations) {
      const nobleMedian = time(noble, size.warmup, size.iterations);
      const referenceMedian = time(reference, size.warmup, size.iterations);
      rows.push({
        operation,
        size: size.label,
        plaintext_bytes: size.bytes,
        iterations: size.iterations,
        noble_median_us: Math.round(nobleMedian * 10) / 10,
        node_crypto_median_us: Math.round(referenceMedian * 10) / 10,
        ratio_noble_over_node_crypto: Math.round((nobleMedian / referenceMedian) * 100) / 100,
      });
    }
  }
  return rows;
}

/** The rows as a markdown table. */
function transportTable(rows: TransportRow[]): string {
  return [
    '| operation | size | plaintext bytes | iterations | noble median | node:crypto median | ratio (noble / node:crypto) |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.operation} | ${row.size} | ${row.plaintext_bytes} | ${row.iterations} | ${formatDuration(row.noble_median_us)} | ` +
        `${formatDuration(row.node_crypto_median_us)} | ${row.ratio_noble_over_node_crypto.toFixed(2)}× |`,
    ),
  ].join('\n');
}

function main(): void {
  const rows = measureTransport();
  console.log(transportTable(rows));
  const results = {
    benchmark: 'b3iq-private-transport-v1 seal/open, request direction',
    date: new Date().toISOString(),
    node: process.version,
    openssl: process.versions.openssl,
    platform: `${platform()} ${arch()}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    rows,
  };
  const directory = new URL('./results/', import.meta.url);
  mkdirSync(directory, { recursive: true });
  writeFileSync(new URL('./transport.json', directory), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${new URL('./transport.json', directory).pathname}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();

export type { TransportRow };
export { measureTransport, transportTable };
