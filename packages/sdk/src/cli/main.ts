#!/usr/bin/env node
/**
 * `b3iq`: the customer CLI. Human output by default, `--json` for scripts; errors go to stderr
 * with what to do next, and the exit code says what kind of failure it was (see `b3iq --help`).
 */
import type { InferenceResponse, JobStatus, JobView, ListedJob, ListedNode } from '@b3iq/protocol';
import { B3iqApiError, B3iqUnavailableError, describeRefusal, runCommandLine, UsageError, type Values } from '@b3iq/protocol';
import { B3iqClient } from '../client.js';
import { clientConfigFromEnvironment } from '../config.js';
import {
  B3iqConfigError,
  B3iqDecryptError,
  B3iqJobIdInUseError,
  B3iqKeyChangedError,
  B3iqKeyTrustError,
  B3iqTimeoutError,
} from '../errors.js';
import { FileKeyStore } from '../key-store.js';
import { DEFAULT_PORT, startProxy } from '../proxy/server.js';
import { FileTrustStore } from '../trust-store.js';
import { readJobInput } from './input.js';
import {
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
} from './output.js';
import { EXIT, USAGE } from './usage.js';
import { webhooksCommand } from './webhooks.js';

interface Output {
  human: string;
  json: unknown;
  exitCode?: number;
}

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  node: { type: 'string' },
  model: { type: 'string' },
  input: { type: 'string' },
  'max-price-wei': { type: 'string' },
  'job-id': { type: 'string' },
  decrypt: { type: 'boolean' },
  timeout: { type: 'string' },
  directory: { type: 'boolean' },
  url: { type: 'string' },
  events: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  port: { type: 'string' },
} as const;

type Options = Values<typeof OPTIONS>;

function client(): B3iqClient {
  const config = clientConfigFromEnvironment();
  return new B3iqClient({
    apiUrl: config.apiUrl,
    customerId: config.customerId,
    customerToken: config.customerToken,
    keyStore: new FileKeyStore(config.keyDirectory),
    trustStore: new FileTrustStore(),
    ...(config.pinnedDirectoryKey === undefined ? {} : { pinnedDirectoryKey: config.pinnedDirectoryKey }),
  });
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value.length === 0) throw new UsageError(`${what} is required; see b3iq --help`);
  return value;
}

async function showJob(api: B3iqClient, job: JobView, decrypt: boolean | undefined): Promise<Output> {
  const answer: InferenceResponse | undefined = decrypt && job.encrypted_response !== null ? await api.openAnswer(job) : undefined;
  const unanswered = job.status !== 'completed' && job.status !== 'queued' && job.status !== 'claimed';
  return {
    human: formatJob(job, answer),
    json: answer === undefined ? job : { ...job, answer },
    ...(unanswered ? { exitCode: EXIT.jobUnanswered } : {}),
  };
}

/** `--limit`: how many jobs `jobs list` shows at most (default 20). */
function listLimit(value: string | undefined): number {
  if (value === undefined) return 20;
  if (!/^[0-9]{1,6}$/.test(value) || Number(value) < 1) throw new UsageError('--limit takes a positive number of jobs');
  return Number(value);
}

/** The newest `limit` jobs (with `status` only), fetched in pages of at most 100; `more` if older ones remain. */
async function newestJobs(api: B3iqClient, status: string | undefined, limit: number): Promise<{ jobs: ListedJob[]; more: boolean }> {
  const jobs: ListedJob[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.listJobsPage({
      ...(status === undefined ? {} : { status: status as JobStatus }),
      limit: Math.min(100, limit - jobs.length),
      cursor,
    });
    jobs.push(...page.jobs);
    cursor = page.next_cursor;
  } while (cursor !== null && jobs.length < limit);
  return { jobs, more: cursor !== null };
}

/** `b3iq proxy`: serves until SIGINT or SIGTERM, then lets the requests in flight answer and stops. */
async function serveProxy(nodeId: string, defaultModel: string | undefined, portOption: string | undefined): Promise<Output> {
  const port = portOption === undefined ? undefined : Number(portOption);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) throw new UsageError('--port takes a port number');
  const log = (line: string) => process.stderr.write(`b3iq proxy: ${printable(line)}\n`);
  const api = client();
  // Checked before serving, so that a wrong node or model, or a changed key, stops it at once (exit 1, 2 or 7).
  const { node } = await api.getVerifiedNode(nodeId);
  const served = node.models.map((model) => model.model_id);
  if (defaultModel !== undefined && !served.includes(defaultModel)) {
    throw new UsageError(`node ${nodeId} does not serve model ${defaultModel}; it serves ${served.join(', ') || 'none'}`);
  }
  const proxy = await startProxy({ client: api, nodeId, defaultModel, port, log }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE')
      throw new B3iqConfigError(`port ${port ?? DEFAULT_PORT} on 127.0.0.1 is in use; pick another with --port`);
    throw error;
  });
  log(`serving node ${nodeId}${defaultModel === undefined ? '' : ` (default model ${defaultModel})`} at ${proxy.baseUrl}; Ctrl+C stops`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log(`${signal}: stopping`);
  await proxy.stop();
  return { human: 'b3iq proxy stopped', json: { stopped: true, base_url: proxy.baseUrl } };
}

async function run(command: string[], values: Options): Promise<Output> {
  const [group, action, target] = command;
  const key = `${group ?? ''} ${action ?? ''}`.trim();
  switch (key) {
    case 'nodes show': {
      const verified = await client().getVerifiedNode(required(target, 'a node id'));
      return {
        human: formatNode(verified),
        json: { ...verified.node, trusted_key_ids: verified.trustedKeys.map((k) => k.key_id), rejected_keys: verified.rejectedKeys },
      };
    }
    case 'nodes list': {
      const nodes: ListedNode[] = [];
      for await (const node of client().listNodes(values.model === undefined ? {} : { modelId: values.model })) nodes.push(node);
      return { human: formatNodeList(nodes), json: nodes };
    }
    case 'jobs list': {
      const { jobs, more } = await newestJobs(client(), values.status, listLimit(values.limit));
      return { human: formatJobList(jobs, more), json: jobs };
    }
    case 'jobs submit': {
      const nodeId = required(values.node, '--node');
      const modelId = required(values.model, '--model');
      const request = await readJobInput(values.input);
      const accepted = await client().submitJob({
        nodeId,
        modelId,
        request,
        ...(values['max-price-wei'] === undefined ? {} : { maxPriceWei: values['max-price-wei'] }),
        ...(values['job-id'] === undefined ? {} : { jobId: values['job-id'] }),
      });
      return { human: formatAccepted(accepted), json: accepted };
    }
    case 'jobs get': {
      const api = client();
      return showJob(api, await api.getJob(required(target, 'a job id')), values.decrypt);
    }
    case 'jobs cancel': {
      const job = await client().cancelJob(required(target, 'a job id'));
      return { human: formatJob(job, undefined), json: job };
    }
    case 'jobs wait': {
      const api = client();
      const jobId = required(target, 'a job id');
      const seconds = values.timeout === undefined ? 600 : Number(values.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError('--timeout takes a number of seconds');
      const progress = progressLine();
      const startedAt = Date.now();
      try {
        const job = await api.waitForJob(jobId, {
          timeoutMs: seconds * 1000,
          onPoll: (polled) => progress.update(`${jobId}: ${polled.status}, ${Math.round((Date.now() - startedAt) / 1000)} s`),
        });
        progress.stop();
        return showJob(api, job, values.decrypt);
      } finally {
        progress.stop();
      }
    }
    case 'receipts verify': {
      const receiptHash = required(target, 'a receipt hash');
      const receipt = await client().verifyReceipt(receiptHash);
      return { human: formatReceipt(receiptHash, receipt), json: { receipt_hash: receiptHash, verified: true, receipt } };
    }
    case 'trust show': {
      const store = new FileTrustStore();
      const pins = await store.list();
      return { human: formatPins(store.file, pins), json: { file: store.file, apis: pins } };
    }
    case 'trust accept': {
      if (values.directory === (values.node !== undefined)) throw new UsageError('trust accept takes --directory or --node <node_id>');
      const api = client();
      const change = values.node === undefined ? await api.acceptDirectoryKey() : await api.acceptNodeIdentityKey(values.node);
      const what = values.node === undefined ? `key directory of ${api.apiUrl}` : `identity key of node ${values.node}`;
      return { human: formatPinChange(what, change), json: change };
    }
    case 'trust pin-directory': {
      const api = client();
      const change = await api.pinDirectoryKey(required(target, 'the directory key (base64url DER SPKI)'));
      return { human: formatPinChange(`key directory of ${api.apiUrl}`, change), json: change };
    }
    case 'proxy': {
      return serveProxy(required(values.node, '--node'), values.model, values.port);
    }
    case 'account': {
      const account = await client().getAccount();
      return { human: formatAccount(account), json: account };
    }
    case 'webhooks create':
    case 'webhooks list':
    case 'webhooks delete':
      return webhooksCommand(client, action, target, values);
    default:
      throw new UsageError(command.length === 0 ? 'name a command' : `unknown command "${command.join(' ')}"`);
  }
}

/** What went wrong, what to do next, and the exit code. */
function explain(error: unknown): { message: string; exitCode: number } {
  if (error instanceof B3iqConfigError) return { message: error.message, exitCode: EXIT.config };
  if (error instanceof B3iqApiError) {
    return {
      message: describeRefusal(error, {
        unauthorized: 'check B3IQ_CUSTOMER_ID and the token in B3IQ_CUSTOMER_TOKEN_FILE',
        insufficient_balance: 'ask for a credit, or check `b3iq account`',
        max_price_exceeded: 'raise --max-price-wei or pick a cheaper model (`b3iq nodes show <node>`)',
        node_not_found: 'check the node id',
        model_not_served: 'see the node’s models with `b3iq nodes show <node>`',
        job_not_found: 'check the job id; jobs are only visible to the customer that submitted them',
        job_id_conflict: 'use a new --job-id; this one was used for another request',
        job_not_cancellable: 'the job already completed or failed; see it with `b3iq jobs get <job_id>`',
        webhook_endpoint_not_found: 'see your endpoints with `b3iq webhooks list`',
        rate_limited: 'slow down and retry',
      }),
      exitCode: EXIT.refused,
    };
  }
  if (error instanceof B3iqJobIdInUseError) return { message: error.message, exitCode: EXIT.refused };
  if (error instanceof B3iqUnavailableError)
    return { message: `${error.message}\nnext: check B3IQ_API_URL and retry`, exitCode: EXIT.unavailable };
  if (error instanceof B3iqTimeoutError) return { message: error.message, exitCode: EXIT.timeout };
  if (error instanceof B3iqKeyChangedError) {
    return { message: `${error.message}\nnext: if its operator confirms the change: ${error.acceptCommand}`, exitCode: EXIT.trust };
  }
  if (error instanceof B3iqKeyTrustError || error instanceof B3iqDecryptError) return { message: error.message, exitCode: EXIT.trust };
  return { message: `unexpected error: ${error instanceof Error ? error.message : String(error)}`, exitCode: 1 };
}

process.exitCode = await runCommandLine(
  {
    name: 'b3iq',
    usage: USAGE,
    options: OPTIONS,
    run: async (positionals, values) => {
      const output = await run(positionals, values);
      process.stdout.write(values.json ? `${JSON.stringify(output.json, null, 2)}\n` : `${printable(output.human)}\n`);
      return output.exitCode ?? EXIT.ok;
    },
    // What the API or a node said may hold terminal control characters: shown escaped.
    explain: (error) => {
      const explained = explain(error);
      return { ...explained, message: printable(explained.message) };
    },
  },
  process.argv.slice(2),
);
