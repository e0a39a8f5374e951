import { describe, expect, it } from 'vitest';
import { functionName, handlerName } from '../../../bench/lib/bundles.js';

describe('the bench names each bundle by its function and handler', () => {
  it.each([
    ['B3iqPrivateInference-perf/CustomerJobsFunction/Function/Resource', 'CustomerJobsFunction', 'customer-jobs'],
    ['B3iqPrivateInference-perf/NodeApiFunction/Function/Resource', 'NodeApiFunction', 'node-api'],
    ['B3iqPrivateInference-perf/CommandRelay/Function/Function/Resource', 'CommandRelayFunction', 'command-relay'],
    ['B3iqPrivateInference-perf/DeadLetterConsumer/Function/Function/Resource', 'DeadLetterConsumerFunction', 'dead-letters'],
    ['B3iqPrivateInference-perf/Webhooks/EventsFunction/Function/Resource', 'WebhooksEventsFunction', 'webhook-events'],
    ['B3iqPrivateInference-perf/Webhooks/DeliveryFunction/Function/Resource', 'WebhooksDeliveryFunction', 'webhook-delivery'],
  ])('%s is %s, handler %s', (constructPath, fn, handler) => {
    expect(functionName(constructPath)).toBe(fn);
    expect(handlerName(fn)).toBe(handler);
  });
});
