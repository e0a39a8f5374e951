/**
 * Errors the SDK throws. Each says what happened in words a customer can act on. The two every
 * client of the API shares (`B3iqApiError`, `B3iqUnavailableError`) live in `@b3iq/protocol`.
 */

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

export { B3iqConfigError, B3iqDecryptError, B3iqJobIdInUseError, B3iqKeyTrustError, B3iqTimeoutError };
