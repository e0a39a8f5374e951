/** `b3iq`'s usage text and exit codes (the usage error itself is `@b3iq/protocol`'s `UsageError`). */

const EXIT = {
  ok: 0,
  /** The API refused the request (a 4xx problem); its code and detail are printed. */
  refused: 1,
  /** The command line is wrong. */
  usage: 2,
  /** No API URL or credentials. */
  config: 3,
  /** The API could not be reached, or kept failing, after retries. */
  unavailable: 4,
  /** `jobs wait` ran out of time; the job goes on. */
  timeout: 5,
  /** The job ended without an answer: failed, expired or cancelled. */
  jobUnanswered: 6,
  /** A node key did not verify, or an answer could not be opened. */
  trust: 7,
} as const;

const USAGE = `b3iq: private inference on B3IQ nodes

Usage:
  b3iq nodes show <node_id>
  b3iq jobs submit --node <node_id> --model <model_id> [--input FILE|-] [--max-price-wei WEI] [--job-id ID]
  b3iq jobs get <job_id> [--decrypt]
  b3iq jobs wait <job_id> [--timeout SECONDS] [--decrypt]
  b3iq jobs cancel <job_id>
  b3iq account

Options:
  --json     machine-readable output on stdout
  --help     this text

Configuration (the token is never taken from the command line):
  B3IQ_API_URL, B3IQ_CUSTOMER_ID, B3IQ_CUSTOMER_TOKEN_FILE   or .b3iq/local.json from \`npm run dev\`
  B3IQ_DIRECTORY_KEY   pin the key directory (base64url SPKI) that node keys must be signed by
  B3IQ_KEY_DIR         where request keys wait for answers (default ~/.b3iq/job-keys)

Exit codes:
  0 ok · 1 refused by the API · 2 usage · 3 configuration · 4 API unavailable
  5 timed out waiting · 6 job ended without an answer · 7 key trust or decryption failed
`;

export { EXIT, USAGE };
