/**
 * The error answers the front writes itself, shaped as DynamoDB writes them (JSON 1.0 protocol:
 * HTTP 400, `__type` with the service namespace, which the SDK strips to the exception name):
 * - TransactionCanceledException: `Message` "Transaction cancelled, please refer cancellation reasons
 *   for specific reasons [None, TransactionConflict]" and `CancellationReasons` in item order,
 *   `{ Code: 'None' }` (no Message, as the API reference lists it) or
 *   `{ Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }`;
 * - TransactionConflictException and TransactionInProgressException: a message only (`message`, resp.
 *   `Message`, as the service model names the member).
 */
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const NAMESPACE = 'com.amazonaws.dynamodb.v20120810#';
const ONGOING = 'Transaction is ongoing for the item';

/** A JSON answer with the headers DynamoDB sends: request id and the CRC32 of the body (older SDKs check it). */
function jsonAnswer(status: number, payload: unknown): Answer {
  const body = Buffer.from(JSON.stringify(payload));
  return {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-requestid': randomBytes(26).toString('hex').toUpperCase(),
      'x-amz-crc32': String(crc32(body)),
    },
    body,
  };
}

/** A transaction cancelled because other transactions in flight hold the items marked `true`. */
function transactionCanceled(conflicts: readonly boolean[]): Answer {
  const reasons = conflicts.map((conflict) => (conflict ? { Code: 'TransactionConflict', Message: ONGOING } : { Code: 'None' }));
  return jsonAnswer(400, {
    __type: `${NAMESPACE}TransactionCanceledException`,
    CancellationReasons: reasons,
    Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((reason) => reason.Code).join(', ')}]`,
  });
}

/** A single-item write to an item a transaction in flight holds. */
function transactionConflict(): Answer {
  return jsonAnswer(400, { __type: `${NAMESPACE}TransactionConflictException`, message: ONGOING });
}

/** A TransactWriteItems repeated with the `ClientRequestToken` of one still in flight (the SDK retries it). */
function transactionInProgress(): Answer {
  return jsonAnswer(400, {
    __type: `${NAMESPACE}TransactionInProgressException`,
    Message: 'The transaction with the given request token is already in progress.',
  });
}

/** The upstream could not be reached: a server error, which the SDK retries. */
function upstreamUnreachable(): Answer {
  return jsonAnswer(500, { __type: `${NAMESPACE}InternalServerError`, message: 'The conflict front could not reach the emulator' });
}

export type { Answer };
export { transactionCanceled, transactionConflict, transactionInProgress, upstreamUnreachable };
