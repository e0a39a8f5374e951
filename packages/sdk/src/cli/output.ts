/** Human output for each kind of answer, and a progress line for terminals. */

import type { AcceptedJob, AccountView, InferenceResponse, JobView } from '@b3iq/protocol';
import type { VerifiedNode } from '../client.js';

const WEI_PER_ETH = 10n ** 18n;

/** `1000000000000000 wei (0.001 ETH)`: exact wei first, ETH for a person's eye. */
function wei(amount: string): string {
  const value = BigInt(amount);
  const whole = value / WEI_PER_ETH;
  const fraction = (value % WEI_PER_ETH).toString().padStart(18, '0').replace(/0+$/, '');
  return `${amount} wei (${whole}${fraction ? `.${fraction}` : ''} ETH)`;
}

function formatNode({ node, trustedKeys }: VerifiedNode): string {
  const trusted = new Set(trustedKeys.map((key) => key.key_id));
  return [
    `node ${node.node_id}: ${node.status}`,
    'models:',
    ...node.models.map((model) => `  ${model.model_id}  ${wei(model.price_wei)}`),
    'transport keys:',
    ...node.transport_keys.map((key) => {
      const { issued_at } = JSON.parse(key.signed_record) as { issued_at?: string };
      return `  ${key.key_id}  ${trusted.has(key.key_id) ? 'signature verified' : 'SIGNATURE DOES NOT VERIFY: not used'}  issued ${issued_at ?? '?'}`;
    }),
  ].join('\n');
}

function formatAccepted(job: AcceptedJob): string {
  return [
    `queued ${job.job_id} on node ${job.node_id} (command ${job.command_id})`,
    `reserved ${wei(job.billing.reserved_price_wei)}; the node is paid ${wei(job.billing.payout_price_wei)}`,
    `next: b3iq jobs wait ${job.job_id} --decrypt`,
  ].join('\n');
}

function formatJob(job: JobView, answer?: InferenceResponse): string {
  const lines = [
    `job ${job.job_id}: ${job.status}`,
    `node ${job.node_id}, model ${job.model_id}`,
    `price ${wei(job.billing.quoted_price_wei)}, billing ${job.billing.status}`,
    `created ${job.created_at}${job.completed_at ? `, ended ${job.completed_at}` : ''}`,
  ];
  if (job.status === 'queued' && job.claim_deadline) lines.push(`expires unless a node claims it by ${job.claim_deadline}`);
  if (job.status === 'claimed' && job.completion_deadline) lines.push(`expires unless answered by ${job.completion_deadline}`);
  if (job.receipt_hash) lines.push(`receipt ${job.receipt_hash}`);
  if (answer !== undefined) {
    if ('error' in answer) lines.push('', `the node could not answer: ${answer.error.code}: ${answer.error.message}`);
    else
      lines.push(
        '',
        answer.message.content,
        '',
        `(${answer.usage.prompt_tokens} prompt + ${answer.usage.completion_tokens} completion tokens)`,
      );
  } else if (job.encrypted_response !== null) {
    lines.push('the answer is sealed; add --decrypt to open it');
  }
  return lines.join('\n');
}

function formatAccount(account: AccountView): string {
  return [
    `customer ${account.customer_id} (pricing ${account.policy_version})`,
    `balance    ${wei(account.balance_wei)}`,
    `reserved   ${wei(account.reserved_wei)}`,
    `available  ${wei(account.available_wei)}`,
  ].join('\n');
}

/** A one-line spinner on a terminal's stderr; nothing at all when stderr is not a terminal. */
function progressLine(stream: NodeJS.WriteStream = process.stderr) {
  const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
  let frame = 0;
  let text = '';
  const draw = () => stream.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${text}`);
  let timer = stream.isTTY ? setInterval(draw, 100) : undefined;
  return {
    update(next: string) {
      text = next;
    },
    stop() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      stream.write('\r\x1b[2K');
    },
  };
}

export { formatAccepted, formatAccount, formatJob, formatNode, progressLine, wei };
