/**
 * Errors the SDK throws. Each says what happened in words a customer can act on. The two every
 * client of the API shares (`B3iqApiError`, `B3iqUnavailableError`) live in `@b3iq/protocol`.
 */

/**
 * Something the client was asked to trust does not hold: a node's keys do not verify, the key
 * directory or a node's identity key is not the pinned one, or an answer is not bound to its node.
 * Nothing is sealed, sent or opened when this is thrown.
 */
class B3iqKeyTrustError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'B3iqKeyTrustError';
  }
}

/** What a pin is of: the API's key directory, or one node's identity key. */
type PinSubject = { kind: 'directory'; apiUrl: string } | { kind: 'node'; apiUrl: string; nodeId: string };

/**
 * The API presented a key directory, or a node identity key, other than the pinned one. Names
 * both by fingerprint (public keys only); `acceptCommand` is how a `b3iq` user accepts the change.
 */
class B3iqKeyChangedError extends B3iqKeyTrustError {
  readonly subject: PinSubject;
  readonly pinnedFingerprint: string;
  readonly presentedFingerprint: string;
  readonly acceptCommand: string;

  /** `pinnedByOption`: the pin is the client's `pinnedDirectoryKey` (the CLI's `B3IQ_DIRECTORY_KEY`), not the trust store's. */
  constructor(subject: PinSubject, pinnedFingerprint: string, presentedFingerprint: string, pinnedByOption = false) {
    const what =
      subject.kind === 'directory'
        ? `the key directory of ${subject.apiUrl}`
        : `the identity key of node ${subject.nodeId} at ${subject.apiUrl}`;
    super(
      `${what} is not the pinned one: pinned${pinnedByOption ? ' (B3IQ_DIRECTORY_KEY)' : ''} ${pinnedFingerprint}, ` +
        `presented ${presentedFingerprint}; nothing was sealed or sent. Accept the change only if its operator confirms it.`,
    );
    this.name = 'B3iqKeyChangedError';
    this.subject = subject;
    this.pinnedFingerprint = pinnedFingerprint;
    this.presentedFingerprint = presentedFingerprint;
    if (pinnedByOption) this.acceptCommand = 'set B3IQ_DIRECTORY_KEY to the key in the deploy output';
    else this.acceptCommand = subject.kind === 'directory' ? 'b3iq trust accept --directory' : `b3iq trust accept --node ${subject.nodeId}`;
  }
}

/** An answer is not bound to its node: its receipt is missing, not signed by the pinned key, or states another request or response. */
class B3iqReceiptError extends B3iqKeyTrustError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'B3iqReceiptError';
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
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'B3iqConfigError';
  }
}

export type { PinSubject };
export {
  B3iqConfigError,
  B3iqDecryptError,
  B3iqJobIdInUseError,
  B3iqKeyChangedError,
  B3iqKeyTrustError,
  B3iqReceiptError,
  B3iqTimeoutError,
};
