/**
 * Faults the emulator cannot produce on demand, injected at the AWS SDK client: a spy on the
 * client class's `send` that fails the commands `fault` picks (by answering an error for them) and
 * passes every other command through to the emulator untouched. Services and adapters run as
 * they are; only the wire answer changes. Restore with `vi.restoreAllMocks()` in `afterEach`.
 */
import { vi } from 'vitest';

interface SdkCommand {
  readonly input: unknown;
}

// biome-ignore lint/suspicious/noExplicitAny: an SDK client class of any service; only its prototype's `send` is used
type ClientClass = abstract new (...args: any[]) => { send: unknown };

interface InjectedFault {
  /** How many commands the fault answered so far. */
  readonly injected: number;
  /** Every command sent through the client class while the spy was in place, failed or not. */
  readonly sent: SdkCommand[];
}

/** Whether a command's input names `text` anywhere (an id, whatever key format holds it). */
function mentions(command: SdkCommand, text: string): boolean {
  return JSON.stringify(command.input).includes(text);
}

function injectFault(client: ClientClass, fault: (command: SdkCommand) => Error | undefined): InjectedFault {
  const prototype = client.prototype as { send: (command: SdkCommand, ...rest: unknown[]) => Promise<unknown> };
  const passThrough = prototype.send;
  const sent: SdkCommand[] = [];
  let injected = 0;
  vi.spyOn(prototype, 'send').mockImplementation(function (this: unknown, command: SdkCommand, ...rest: unknown[]) {
    sent.push(command);
    const error = fault(command);
    if (error === undefined) return passThrough.call(this, command, ...rest);
    injected += 1;
    return Promise.reject(error);
  });
  return {
    get injected() {
      return injected;
    },
    sent,
  };
}

/**
 * Like `injectFault`, but a command `fault` picks is first sent to the emulator, and only its
 * answer is replaced by the error: a call that reached the table and whose answer was lost.
 */
function injectLostAnswer(client: ClientClass, fault: (command: SdkCommand) => Error | undefined): InjectedFault {
  const prototype = client.prototype as { send: (command: SdkCommand, ...rest: unknown[]) => Promise<unknown> };
  const passThrough = prototype.send;
  const sent: SdkCommand[] = [];
  let injected = 0;
  vi.spyOn(prototype, 'send').mockImplementation(async function (this: unknown, command: SdkCommand, ...rest: unknown[]) {
    sent.push(command);
    const error = fault(command);
    const answer = await passThrough.call(this, command, ...rest);
    if (error === undefined) return answer;
    injected += 1;
    throw error;
  });
  return {
    get injected() {
      return injected;
    },
    sent,
  };
}

/** A send that got no answer in time, as the SDK's HTTP handler reports it (no HTTP status). */
function timedOut(): Error {
  return Object.assign(new Error('the request timed out'), { name: 'TimeoutError', $metadata: {} });
}

/** An error as the SDK would throw it for a failed call: a named exception with AWS metadata. */
function awsError(name: string, message: string, httpStatusCode = 400): Error {
  return Object.assign(new Error(message), { name, $fault: httpStatusCode >= 500 ? 'server' : 'client', $metadata: { httpStatusCode } });
}

export type { InjectedFault, SdkCommand };
export { awsError, injectFault, injectLostAnswer, mentions, timedOut };
