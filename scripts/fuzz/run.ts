/**
 * Schemathesis (pinned, from PyPI, installed into `.cache/` on first use) over every operation of
 * the served OpenAPI document, with real credentials: the hooks in `hooks.py` add a customer's,
 * the admin's or a node's (signed per request) to each operation, and the ids in `FuzzTargets`
 * reach existing resources past their 404s. Checks and their exclusions: `schemathesis.toml`.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeBase64url } from '@b3iq/protocol';
import { CACHE_DIR } from '../local/paths.js';
import { installPythonTool } from '../local/python-tool.js';
import { runToExit } from '../local/run.js';

const PACKAGES = ['schemathesis==4.32.5', 'cryptography==50.0.2'];
const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * `positive_data_acceptance` ("schema-valid data must be accepted") is not for this API. A schema can
 * say that aad_hash is 32 bytes of canonical base64url, not that it is the SHA-256 of this request's
 * AAD, nor that a ciphertext opens or a signature verifies over its statement, nor rules that hang on
 * stored state (a transport key's node_signature_ed25519 is required while the node keeps an identity
 * key; a customer holds at most 20 unrevoked tokens). Generated values never meet them and the API
 * rightly answers 400 invalid_encrypted_request / invalid_request; the document's descriptions state
 * these rules. (CLI options override the config file, so the exclusion is made here.)
 */
const EXCLUDED_CHECKS = ['positive_data_acceptance'];

/** A node's pull long-polls up to 20 s (`wait_seconds`, default 20): answers may take that long. */
const MAX_RESPONSE_SECONDS = 30;

/** Who the fuzzer is and which resources its ids name. */
interface FuzzTargets {
  apiUrl: string;
  adminToken: string;
  customer: { customerId: string; token: string };
  node: { nodeId: string; identitySecretKey: Uint8Array };
  /** A completed job of the customer, its command and receipt. */
  jobId: string;
  commandId: string;
  receiptHash: string;
  /** The customer the admin operations work on, and one of its tokens (not the fuzzing customer's: a revoked token would lock it out). */
  adminCustomerId: string;
  tokenId: string;
  /** The node the enrollment operation works on (not the signing node: an enrollment may revoke its identity key). */
  adminNodeId: string;
}

interface FuzzOptions {
  /** Test cases per operation in the fuzzing phase. */
  maxExamples: number;
  /**
   * The phases to run (default: all). The coverage phase sends its own deterministic cases, as many
   * as the schemas' boundaries make (minutes against the emulator), whatever `maxExamples` says.
   */
  phases?: readonly ('examples' | 'coverage' | 'fuzzing' | 'stateful')[];
  workers?: number;
  log?: (line: string) => void;
  /** Print schemathesis's output as it runs (the long run); otherwise it is only returned. */
  verbose?: boolean;
}

/** Runs schemathesis; answers its exit code and output (0: no check failed). */
async function runFuzz(targets: FuzzTargets, options: FuzzOptions): Promise<{ exitCode: number; output: string }> {
  const bin = await installPythonTool('schemathesis-venv', PACKAGES, options.log);
  const env = {
    ...process.env,
    SCHEMATHESIS_HOOKS: 'hooks',
    PYTHONPATH: HERE,
    B3IQ_FUZZ_API_URL: targets.apiUrl,
    B3IQ_FUZZ_ADMIN_TOKEN: targets.adminToken,
    B3IQ_FUZZ_CUSTOMER_ID: targets.customer.customerId,
    B3IQ_FUZZ_CUSTOMER_TOKEN: targets.customer.token,
    B3IQ_FUZZ_NODE_ID: targets.node.nodeId,
    B3IQ_FUZZ_NODE_SECRET_KEY: encodeBase64url(targets.node.identitySecretKey),
    B3IQ_FUZZ_JOB_ID: targets.jobId,
    B3IQ_FUZZ_COMMAND_ID: targets.commandId,
    B3IQ_FUZZ_RECEIPT_HASH: targets.receiptHash,
    B3IQ_FUZZ_ADMIN_CUSTOMER_ID: targets.adminCustomerId,
    B3IQ_FUZZ_TOKEN_ID: targets.tokenId,
    B3IQ_FUZZ_ADMIN_NODE_ID: targets.adminNodeId,
  };
  const args = [
    '--config-file',
    path.join(HERE, 'schemathesis.toml'),
    'run',
    `${targets.apiUrl}/v1/openapi.json`,
    '--url',
    targets.apiUrl,
    '--max-examples',
    String(options.maxExamples),
    '--output-sanitize',
    'true',
    '--checks',
    'all',
    '--exclude-checks',
    EXCLUDED_CHECKS.join(','),
    '--max-response-time',
    String(MAX_RESPONSE_SECONDS),
    '--workers',
    String(options.workers ?? 1),
    ...(options.phases === undefined ? [] : ['--phases', options.phases.join(',')]),
  ];
  // Schemathesis keeps its example database (.hypothesis, .schemathesis) in its working directory.
  const workDir = path.join(CACHE_DIR, 'schemathesis-work');
  mkdirSync(workDir, { recursive: true });
  return runToExit(path.join(bin, 'schemathesis'), args, { env, cwd: workDir, verbose: options.verbose, echo: process.stdout });
}

export type { FuzzOptions, FuzzTargets };
export { runFuzz };
