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
  /**
   * Trust failed: the key directory or a node's identity key is not the pinned one, a node key does
   * not verify, an answer's receipt does not hold, or an answer could not be opened.
   */
  trust: 7,
} as const;

const USAGE = `b3iq: private inference on B3IQ nodes

Usage:
  b3iq nodes show <node_id>
  b3iq nodes list [--model <model_id>]
  b3iq jobs list [--status STATUS] [--limit N]
  b3iq jobs submit --node <node_id> --model <model_id> [--input FILE|-] [--max-price-wei WEI] [--job-id ID]
  b3iq jobs get <job_id> [--decrypt]
  b3iq jobs wait <job_id> [--timeout SECONDS] [--decrypt]
  b3iq jobs cancel <job_id>
  b3iq account
  b3iq receipts verify <receipt_hash>
  b3iq trust show
  b3iq trust accept --directory | --node <node_id>
  b3iq trust pin-directory <base64url SPKI>
  b3iq webhooks create --url URL --events job.completed,job.failed,job.expired,job.cancelled
  b3iq webhooks list
  b3iq webhooks delete <endpoint_id>
  b3iq proxy --node <node_id> [--model <model_id>] [--port 8080]

Options:
  --json     machine-readable output on stdout (for a list: the array of its items)
  --status   jobs list: only jobs in this status (queued, claimed, completed, failed, expired, cancelled)
  --limit    jobs list: show at most N jobs, newest first (default 20)
  --help     this text

Proxy: \`b3iq proxy\` serves an OpenAI-compatible POST /v1/chat/completions (also stream: true)
and GET /v1/models for one node at http://127.0.0.1:PORT/v1 (--port 0: any free port). It binds
127.0.0.1 only, and no option changes that: whoever reaches it spends your balance. It takes no
API key from its callers (any value will do), refuses requests whose Host is not 127.0.0.1:PORT or
localhost:PORT (DNS rebinding) and requests from browser pages (an Origin header). --model is the
model of requests that name none. Every answer is opened only after its receipt holds; a trust
failure answers 502 and nothing of the answer. SIGINT/SIGTERM stop it.

Configuration (the token is never taken from the command line):
  B3IQ_API_URL, B3IQ_CUSTOMER_ID, B3IQ_CUSTOMER_TOKEN_FILE   or .b3iq/local.json from \`npm run dev\`
  B3IQ_DIRECTORY_KEY   pin the key directory (base64url SPKI) that node keys must be signed by;
                       it wins over the pin in ~/.b3iq/known-keys.json
  B3IQ_KEY_DIR         where request keys wait for answers (default ~/.b3iq/job-keys)

Trust: the key directory of each API URL and each node's identity key are pinned in
~/.b3iq/known-keys.json the first time they are seen. A different key later stops the command
before anything is sent (exit 7); accept it with \`b3iq trust accept\` only if the operator
confirms the change. Answers are opened only when the node's signed receipt holds.

Exit codes:
  0 ok · 1 refused by the API · 2 usage · 3 configuration · 4 API unavailable
  5 timed out waiting · 6 job ended without an answer
  7 trust: a key is not the pinned one or does not verify, or an answer's receipt does not hold
`;

export { EXIT, USAGE };
