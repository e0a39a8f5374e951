/**
 * Schemathesis over every operation of the deployed API's OpenAPI document (customer, node and
 * admin), with real credentials and existing ids, `--checks all` but the exclusions
 * scripts/fuzz/schemathesis.toml gives with their reasons. A bounded number of cases per operation
 * here, and no coverage phase (its case count is not bounded); `npm run fuzz` runs every phase,
 * longer, against `npm run dev`.
 */
import { describe, expect, inject, it } from 'vitest';
import { runFuzz } from '../../scripts/fuzz/run.js';
import { makeFuzzTargets } from '../../scripts/fuzz/targets.js';
import { useEchoNode } from './support/node-agent.js';

const { apiUrl, adminToken } = inject('localStack');
const MODEL = 'fuzz-echo-1';
const node = useEchoNode({ modelId: MODEL, priceWei: 1_000n });

describe('the OpenAPI document under an outside fuzzer', () => {
  it('holds for every operation: no check of schemathesis fails', { timeout: 600_000 }, async () => {
    // Prepare
    const keys = node.keys();
    const targets = await makeFuzzTargets(apiUrl, adminToken, {
      nodeId: keys.nodeId,
      modelId: MODEL,
      identitySecretKey: keys.identitySecretKey,
    });

    // Act
    const { exitCode, output } = await runFuzz(targets, { maxExamples: 20, phases: ['examples', 'fuzzing', 'stateful'], workers: 2 });

    // Assess
    expect(output).toContain('API Operations:');
    expect(exitCode, output.slice(-20_000)).toBe(0);
  });
});
