import { describe, expect, it } from 'vitest';
import { NodeSightings, RECORD_INTERVAL_MS } from '../../../lambdas/services/node-sightings.js';

describe('NodeSightings (last_seen_at without a write per node call)', () => {
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);

  it('records a node at its first call, then again only once the interval has passed (per node)', async () => {
    // Prepare
    const written: string[] = [];
    const sightings = new NodeSightings(async (nodeId, when) => {
      written.push(`${nodeId}@${when}`);
    });

    // Act
    await sightings.noteCall('node-a', at(0));
    await sightings.noteCall('node-a', at(RECORD_INTERVAL_MS - 1));
    await sightings.noteCall('node-b', at(1));
    await sightings.noteCall('node-a', at(RECORD_INTERVAL_MS));

    // Assess
    expect(written).toEqual([
      `node-a@${at(0).toISOString()}`,
      `node-b@${at(1).toISOString()}`,
      `node-a@${at(RECORD_INTERVAL_MS).toISOString()}`,
    ]);
  });

  it('never fails the node call when the write fails', async () => {
    const sightings = new NodeSightings(() => Promise.reject(new Error('DynamoDB is down')));

    await expect(sightings.noteCall('node-a', at(0))).resolves.toBeUndefined();
  });

  it('records nothing without a writer (a function that does not serve nodes)', async () => {
    await expect(new NodeSightings().noteCall('node-a', at(0))).resolves.toBeUndefined();
  });
});
