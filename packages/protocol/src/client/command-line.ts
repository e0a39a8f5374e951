/**
 * The entry both command lines (`b3iq`, `b3iq-node`) share: parse the arguments, print the usage
 * on `--help` or a usage error (exit 2), run the command, and report any failure on stderr as
 * `<name>: <what happened>` with the exit code the program's `explain` gives it.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

const EXIT_OK = 0;
const EXIT_USAGE = 2;

/** The arguments do not make a command; the usage text follows the message. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Values<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true }>>['values'];

interface CommandLine<O extends ParseArgsOptionsConfig> {
  /** The program's name, the prefix of every error line. */
  name: string;
  usage: string;
  options: O;
  /** Runs the command and returns its exit code; throws for a failure `explain` describes. */
  run: (positionals: string[], values: Values<O>) => Promise<number>;
  /** What went wrong, what to do next, and the exit code, for any failure other than a `UsageError`. */
  explain: (error: unknown) => { message: string; exitCode: number };
}

/** Runs the program on `argv` (without node and the script) and returns its exit code. */
async function runCommandLine<O extends ParseArgsOptionsConfig>(program: CommandLine<O>, argv: string[]): Promise<number> {
  let parsed: { values: Values<O>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options: program.options, allowPositionals: true, strict: true });
  } catch (error) {
    process.stderr.write(`${program.name}: ${(error as Error).message}\n\n${program.usage}`);
    return EXIT_USAGE;
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(program.usage);
    return EXIT_OK;
  }
  try {
    return await program.run(parsed.positionals, parsed.values);
  } catch (error) {
    const { message, exitCode } =
      error instanceof UsageError ? { message: `${error.message}\n\n${program.usage}`, exitCode: EXIT_USAGE } : program.explain(error);
    process.stderr.write(`${program.name}: ${message}\n`);
    return exitCode;
  }
}

export type { CommandLine, Values };
export { runCommandLine, UsageError };
