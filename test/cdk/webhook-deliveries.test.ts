/**
 * What stands between a job's end and its webhook on AWS (lib/constructs/webhook-deliveries.ts).
 * The contract wants the first attempt within 10 s of the job's end; ministack ignores batching
 * windows and polls at once, so the bench cannot show a window added here: the template must.
 */
import { describe, expect, it } from 'vitest';
import { type CfnResource, render, resourceByPrefix, resourcesOfType, synthesizeOnce } from './support/synth.js';

const synthesized = synthesizeOnce([
  { case: 'dev', context: { stage: 'dev' } },
  { case: 'prod', context: { stage: 'prod' } },
] as const);

function mappingOf(name: 'dev' | 'prod', functionPrefix: string): CfnResource {
  const { template } = synthesized(name);
  const [fnId] = resourceByPrefix(template, 'AWS::Lambda::Function', functionPrefix);
  const found = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, mapping]) => render(mapping.Properties?.FunctionName) === `\${${fnId}}`,
  );
  expect(found).toHaveLength(1);
  return found[0]![1];
}

describe.each(['dev', 'prod'] as const)('webhook event sources (%s)', (name) => {
  it.each([
    ['the stream consumer', 'WebhooksEventsFunction'],
    ['the delivery worker', 'WebhooksDeliveryFunction'],
  ])('invoke %s without a batching window, so no event waits for a batch to fill', (_, functionPrefix) => {
    expect(mappingOf(name, functionPrefix).Properties?.MaximumBatchingWindowInSeconds ?? 0).toBe(0);
  });

  it('reads only modified job items from the stream, from the oldest record, retrying for up to 24 hours', () => {
    expect(mappingOf(name, 'WebhooksEventsFunction').Properties).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRecordAgeInSeconds: 24 * 3600,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['MODIFY'], dynamodb: { Keys: { sk: { S: ['JOB'] } } } }) }] },
    });
  });

  it('reports partial batch failures from the delivery queue, so one endpoint’s failure does not repeat the others', () => {
    expect(mappingOf(name, 'WebhooksDeliveryFunction').Properties?.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
  });
});
