/** The errors of an HTTP exchange with the control plane, shared by the SDK, the CLI and the node agent. */
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

/** The API answered with a redirect to another origin (or too many): not followed, so no credential leaves. */
class B3iqRedirectError extends B3iqUnavailableError {
  constructor(message: string) {
    super(message);
    this.name = 'B3iqRedirectError';
  }
}

export { B3iqApiError, B3iqRedirectError, B3iqUnavailableError, describeRefusal };
