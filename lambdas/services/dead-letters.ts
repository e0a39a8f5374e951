/**
 * The dead-letter consumer. A command that its node received too many times without finishing
 * it lands in the dead-letter queue; its job fails (`undeliverable`) and its reservation is
 * released. A job that already ended is left as it is.
 */
import type { ControlPlane } from './control-plane.js';
import { releaseNamedJob } from './job-closing.js';

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
  const outcome = await releaseNamedJob(
    plane,
    { customerId: ref.customer_id, jobId: ref.job_id },
    { status: 'failed', reason: 'undeliverable' },
  );
  if (outcome === undefined) return 'unknown_command';
  return outcome.released ? 'released' : 'already_closed';
}

export type { DeadLetterOutcome };
export { failDeadLetteredCommand };
