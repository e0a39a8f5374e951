/** Errors the SDK throws. Each says what happened in words a customer can act on. */

/** The API answered with a B3IQ problem. Branch on `code`. */
class B3iqApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;

  constructor(status: number, code: string, title: string, detail: string) {
    super(detail);
    this.name = 'B3iqApiError';
    this.status = status;
    this.code = code;
    this.title = title;
  }
}

/** `code: detail`, and the next step when `hints` has one for the code: how both command lines report a refusal. */
function describeRefusal(error: B3iqApiError, hints: Record<string, string>): string {
  const hint = hints[error.code];
  return `${error.code}: ${error.message}${hint ? `\nnext: ${hint}` : ''}`;
}

/** The API could not be reached, or kept failing (5xx) after every retry. */
class B3iqUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'B3iqUnavailableError';
  }
}

/** A node's transport keys could not be trusted, or the key directory is not the pinned one. */
class B3iqKeyTrustError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'B3iqKeyTrustError';
  }
}

/** Waiting for a job ran out of time; the job goes on. */
class B3iqTimeoutError extends Error {
  readonly jobId: string;

  constructor(jobId: string, waitedMs: number) {
    super(`job ${jobId} did not finish within ${Math.round(waitedMs / 1000)} s; it is still running, wait again later`);
    this.name = 'B3iqTimeoutError';
    this.jobId = jobId;
  }
}

/** The answer cannot be opened: no key for the job in the key store, or the envelope does not open. */
class B3iqDecryptError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'B3iqDecryptError';
  }
}

/** The job id was already used from this key store, whose key for it still waits for an answer. */
class B3iqJobIdInUseError extends Error {
  readonly jobId: string;

  constructor(jobId: string) {
    super(`job ${jobId} was already submitted from this key store and waits for its answer; read it with getJob, or use a new job id`);
    this.name = 'B3iqJobIdInUseError';
    this.jobId = jobId;
  }
}

/** The client is missing configuration (API URL, customer id, token). */
class B3iqConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'B3iqConfigError';
  }
}

export {
  B3iqApiError,
  B3iqConfigError,
  B3iqDecryptError,
  B3iqJobIdInUseError,
  B3iqKeyTrustError,
  B3iqTimeoutError,
  B3iqUnavailableError,
  describeRefusal,
};
