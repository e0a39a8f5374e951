/**
 * The dead-letter consumer. A command that its node received too many times without finishing
 * it lands in the dead-letter queue; its job fails (`undeliverable`) and its reservation is
 * released. A job that already ended is left as it is.
 */
import type { ControlPlane } from './control-plane.js';
import { releaseOpenJob } from './job-closing.js';

type DeadLetterOutcome = 'released' | 'already_closed' | 'unknown_command';

async function failDeadLetteredCommand(plane: ControlPlane, messageBody: string): Promise<DeadLetterOutcome> {
  let commandId: unknown;
  try {
    commandId = (JSON.parse(messageBody) as { command_id?: unknown }).command_id;
  } catch {
    return 'unknown_command';
  }
  const ref = typeof commandId === 'string' ? await plane.store.findCommand(commandId) : undefined;
  if (ref === undefined) return 'unknown_command';
  const { job, customer } = await plane.store.read({ customerId: ref.customer_id, jobId: ref.job_id });
  if (job === undefined) return 'unknown_command';
  const { released } = await releaseOpenJob(plane, job, { status: 'failed', reason: 'undeliverable' }, customer);
  return released ? 'released' : 'already_closed';
}

export { failDeadLetteredCommand };
export type { DeadLetterOutcome };
