/**
 * Human output for each kind of answer, and a progress line for terminals. Text from the API or a
 * node is shown through `printable`: a control character in it could otherwise move the cursor,
 * rewrite what was printed before or retitle the terminal.
 */

import type { AcceptedJob, AccountView, InferenceResponse, JobView, ListedJob, ListedNode, Receipt } from '@b3iq/protocol';
import type { PinChange, VerifiedNode } from '../client.js';
import { parseRecord } from '../node-trust.js';
import { type ApiPins, fingerprint } from '../trust-store.js';

// C0 controls but tab and newline, DEL, and C1 controls (ESC, CSI and the like start with one of these).
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point of this pattern.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with every terminal control character but newline and tab shown escaped, e.g. `\u001b`. */
function printable(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const WEI_PER_ETH = 10n ** 18n;

/** `1000000000000000 wei (0.001 ETH)`: exact wei first, ETH for a person's eye. */
function wei(amount: string): string {
  const value = BigInt(amount);
  const whole = value / WEI_PER_ETH;
  const fraction = (value % WEI_PER_ETH).toString().padStart(18, '0').replace(/0+$/, '');
  return `${amount} wei (${whole}${fraction ? `.${fraction}` : ''} ETH)`;
}

function formatNode({ node, trustedKeys, rejectedKeys, identityKey }: VerifiedNode): string {
  const trusted = new Set(trustedKeys.map((key) => key.key_id));
  const reasons = new Map(rejectedKeys.map((rejected) => [rejected.key_id, rejected.reason]));
  return [
    `node ${node.node_id}: ${node.status}`,
    `identity key ${identityKey === null ? 'none: no key of this node is used' : `${fingerprint(identityKey)} (pinned)`}`,
    'models:',
    ...node.models.map((model) => `  ${model.model_id}  ${wei(model.price_wei)}`),
    'transport keys:',
    ...node.transport_keys.map((key) => {
      const issuedAt = parseRecord(key.signed_record)?.issued_at ?? '?';
      const verdict = trusted.has(key.key_id) ? 'signatures verified' : `NOT USED: ${reasons.get(key.key_id) ?? 'does not verify'}`;
      return `  ${key.key_id}  ${verdict}  issued ${issuedAt}`;
    }),
  ].join('\n');
}

/** Rows as columns padded to their widest cell (the caller escapes the whole text with `printable`). */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** `b3iq jobs list`: newest first; `more` when the listing goes on past what was shown. */
function formatJobList(jobs: ListedJob[], more: boolean): string {
  if (jobs.length === 0) return 'no jobs';
  const rows = jobs.map((job) => [job.job_id, job.status, job.node_id, job.model_id, job.billing.quoted_price_wei, job.created_at]);
  const text = table(['JOB', 'STATUS', 'NODE', 'MODEL', 'PRICE (wei)', 'CREATED'], rows);
  return more ? `${text}\nmore jobs: raise --limit to see older ones` : text;
}

/** `b3iq nodes list`: one row per model a node serves. */
function formatNodeList(nodes: ListedNode[]): string {
  if (nodes.length === 0) return 'no active nodes';
  const rows = nodes.flatMap((node) =>
    node.models.map((model) => [node.node_id, node.status, model.model_id, model.price_wei, node.last_seen_at ?? 'never']),
  );
  return table(['NODE', 'STATUS', 'MODEL', 'PRICE (wei)', 'LAST SEEN'], rows);
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
    if ('error' in answer) lines.push('', printable(`the node could not answer: ${answer.error.code}: ${answer.error.message}`));
    else
      lines.push(
        '',
        printable(answer.message.content),
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

function formatReceipt(receiptHash: string, receipt: Receipt): string {
  return [
    `receipt ${receiptHash}: verified, signed by node ${receipt.node_id}'s pinned identity key`,
    `job ${receipt.job_id} (command ${receipt.command_id}), model ${receipt.model_id}`,
    `usage ${receipt.usage.prompt_tokens} prompt + ${receipt.usage.completion_tokens} completion tokens, price ${wei(receipt.price_wei)}`,
    `request sha256 ${receipt.request_sha256}`,
    `response sha256 ${receipt.response_sha256}`,
    `issued ${receipt.issued_at}`,
  ].join('\n');
}

function formatPins(file: string, pins: Record<string, ApiPins>): string {
  const apis = Object.entries(pins);
  if (apis.length === 0) return `no pins yet in ${file}; the first use of an API pins its key directory and nodes`;
  return [
    `pins in ${file}:`,
    ...apis.flatMap(([apiUrl, api]) => [
      apiUrl,
      `  key directory  ${api.directory_key_spki === undefined ? 'not pinned' : fingerprint(api.directory_key_spki)}`,
      ...Object.entries(api.nodes).map(([nodeId, key]) => `  node ${nodeId}  ${fingerprint(key)}`),
    ]),
  ].join('\n');
}

function formatPinChange(what: string, change: PinChange): string {
  return `${what}: pinned ${change.current}${change.previous === undefined ? '' : change.previous === change.current ? ' (unchanged)' : ` in place of ${change.previous}`}`;
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

export {
  formatAccepted,
  formatAccount,
  formatJob,
  formatJobList,
  formatNode,
  formatNodeList,
  formatPinChange,
  formatPins,
  formatReceipt,
  printable,
  progressLine,
  wei,
};
