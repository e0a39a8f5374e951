/**
 * Job ends become webhook events. The table's stream hands every changed job item here; a job
 * that has reached an end (completed, failed, expired, cancelled) makes one event per subscribed
 * endpoint of its customer, queued for the delivery worker. Off the request path: settlement has
 * committed before the stream record exists. A repeated record (a batch retried, a later change
 * of an ended job) finds the event's marker and queues nothing; a crash between queueing and the
 * marker may queue it twice, with the same `webhook-id` (at least once).
 */
import { webhookEventOf, webhookMessageId, webhookPayload } from '../domain/webhooks.js';
import type { ControlPlane } from './control-plane.js';
import type { DeliveryQueue } from './ports/webhook-deliveries.js';

/** Markers outlive any repeat of a stream record (streams keep records 24 hours). */
const MARKER_SECONDS = 3 * 86_400;

type EventOutcome = 'not_ended' | 'already_queued' | 'no_endpoint' | 'queued';

async function queueJobEvent(plane: ControlPlane, queue: DeliveryQueue, customerId: string, jobId: string): Promise<EventOutcome> {
  const { job } = await plane.store.read({ customerId, jobId, withCustomer: false });
  const event = job === undefined ? undefined : webhookEventOf(job.status);
  if (job === undefined || event === undefined) return 'not_ended';
  const webhookId = webhookMessageId(customerId, jobId, event);
  if (await plane.store.webhookEventQueued(customerId, webhookId)) return 'already_queued';
  const { endpoints } = await plane.store.readWebhookEndpoints(customerId);
  const subscribed = endpoints.filter((endpoint) => endpoint.events.includes(event));
  const now = plane.now();
  const body = JSON.stringify(webhookPayload(job, event, now.toISOString()));
  await Promise.all(
    subscribed.map((endpoint) =>
      queue.send(
        {
          customer_id: customerId,
          endpoint_id: endpoint.endpoint_id,
          webhook_id: webhookId,
          body,
          attempt: 1,
          not_before: now.toISOString(),
        },
        0,
      ),
    ),
  );
  await plane.store.markWebhookEventQueued(customerId, webhookId, Math.floor(now.getTime() / 1000) + MARKER_SECONDS);
  return subscribed.length === 0 ? 'no_endpoint' : 'queued';
}

/** Queues the events of the jobs; if any fails the whole batch fails and is retried (markers keep that from repeating the others). */
async function queueJobEvents(
  plane: ControlPlane,
  queue: DeliveryQueue,
  jobs: { customerId: string; jobId: string }[],
): Promise<EventOutcome[]> {
  const settled = await Promise.allSettled(jobs.map((job) => queueJobEvent(plane, queue, job.customerId, job.jobId)));
  const failed = settled.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<EventOutcome>).value);
}

export type { EventOutcome };
export { queueJobEvents };
