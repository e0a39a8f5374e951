/**
 * Codemod of issue 10 (one home for the wire protocol; the SDK + CLI and the node agent as their own
 * packages): moves the files with `git mv` and rewrites every import specifier in the repository
 * that points at a moved file. Re-runnable on a main that has changed since: it moves whatever of
 * the listed files and folders is still at its old place (new files in a moved folder included) and
 * leaves everything else alone, so a second run is a no-op.
 *
 *   npx tsx scripts/codemods/2026-11-workspaces.ts
 *
 * The hand-written commits that follow it (package manifests, the packages' index files, the
 * server remainders of the split modules) expect exactly the layout below.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROTOCOL = 'packages/protocol/src';
const SDK = 'packages/sdk/src';
const AGENT = 'packages/node-agent/src';

/** Whole folders: every file in them moves, those other branches added included. */
const FOLDER_MOVES: [string, string][] = [
  ['lambdas/domain/schemas', `${PROTOCOL}/schemas`],
  ['cli', `${SDK}/cli`],
  ['node-agent', AGENT],
];

/** Single files; they win over a folder move (`sdk/types.ts` goes to the protocol, the rest of `sdk/` to the SDK). */
const FILE_MOVES: [string, string][] = [
  ['lambdas/transport/base64url.ts', `${PROTOCOL}/encoding/base64url.ts`],
  ['lambdas/transport/low-order.ts', `${PROTOCOL}/transport/low-order.ts`],
  ['lambdas/transport/envelope.ts', `${PROTOCOL}/transport/envelope.ts`],
  ['lambdas/transport/seal.ts', `${PROTOCOL}/transport/seal.ts`],
  ['lambdas/domain/ids.ts', `${PROTOCOL}/encoding/ids.ts`],
  ['lambdas/domain/money.ts', `${PROTOCOL}/encoding/money.ts`],
  ['lambdas/domain/timestamp.ts', `${PROTOCOL}/encoding/timestamp.ts`],
  ['lambdas/domain/receipt.ts', `${PROTOCOL}/signatures/receipt.ts`],
  ['lambdas/domain/node-signature.ts', `${PROTOCOL}/signatures/node-signature.ts`],
  ['lambdas/domain/transport-key-record.ts', `${PROTOCOL}/signatures/transport-key-record.ts`],
  ['sdk/types.ts', `${PROTOCOL}/views/api.ts`],
  ['sdk/http.ts', `${PROTOCOL}/client/http.ts`],
];

/** Any other file left in these folders follows them. */
const REST_OF_FOLDER: [string, string][] = [
  ['lambdas/transport', `${PROTOCOL}/transport`],
  ['sdk', SDK],
];

/**
 * Modules that split: a name imported from the old path goes where this says; names not listed go
 * with the file (or stay where it is). The new homes outside the moves are hand-written.
 */
const SYMBOL_HOMES: Record<string, Record<string, string>> = {
  'lambdas/domain/ids.ts': { invalidId: 'lambdas/domain/ids.ts' },
  'lambdas/domain/receipt.ts': { acceptReceipt: 'lambdas/domain/receipt.ts' },
  'lambdas/domain/job.ts': { NodeCommand: `${PROTOCOL}/views/api.ts`, JobStatus: `${PROTOCOL}/views/api.ts` },
  'lambdas/domain/job-lifecycle.ts': { JobStatus: `${PROTOCOL}/views/api.ts` },
  // The CDK reads metric names without building the Powertools Metrics object at import.
  'lambdas/observability/metrics.ts': {
    METRIC: 'lambdas/observability/metric-names.ts',
    METRICS_NAMESPACE: 'lambdas/observability/metric-names.ts',
  },
  'sdk/errors.ts': {
    B3iqApiError: `${PROTOCOL}/client/errors.ts`,
    B3iqUnavailableError: `${PROTOCOL}/client/errors.ts`,
    describeRefusal: `${PROTOCOL}/client/errors.ts`,
  },
  'cli/usage.ts': { UsageError: `${PROTOCOL}/client/command-line.ts` },
};

/** Package roots and how code outside a package names it (`undefined`: by relative path to the source). */
const PACKAGES: { root: string; entries: Record<string, string> }[] = [
  { root: PROTOCOL, entries: { '*': '@b3iq/protocol' } },
  { root: SDK, entries: { [`${SDK}/index.ts`]: 'b3iq-private-inference/sdk' } },
  { root: AGENT, entries: {} },
];

const SOURCE = /\.(ts|mts|mjs|js)$/;
const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });

function listFiles(folder: string): string[] {
  if (!existsSync(path.join(ROOT, folder))) return [];
  return git('ls-files', folder)
    .split('\n')
    .filter((file) => file.length > 0);
}

/** old → new, for every file still at its old place. */
function plannedMoves(): Map<string, string> {
  const moves = new Map<string, string>();
  for (const [from, to] of FILE_MOVES) if (existsSync(path.join(ROOT, from))) moves.set(from, to);
  for (const [from, to] of [...FOLDER_MOVES, ...REST_OF_FOLDER]) {
    for (const file of listFiles(from)) if (!moves.has(file)) moves.set(file, path.posix.join(to, path.posix.relative(from, file)));
  }
  return moves;
}

const withoutJs = (spec: string) => spec.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts');

/** The repository path a relative specifier names, from a file at `fromFile`; `undefined` for a package. */
function resolveSpec(fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec));
  return spec.endsWith('.js') ? withoutJs(target) : target;
}

function packageOf(file: string) {
  return PACKAGES.find((pkg) => file.startsWith(`${pkg.root}/`));
}

/** How a file at `importer` (its new place) names `target` (its new place). */
function specifierFor(importer: string, target: string, originalSpec: string): string {
  const targetPackage = packageOf(target);
  if (targetPackage !== undefined && packageOf(importer) !== targetPackage) {
    const entry = targetPackage.entries[target] ?? targetPackage.entries['*'];
    if (entry !== undefined) return entry;
  }
  let relative = path.posix.relative(path.posix.dirname(importer), target);
  if (!relative.startsWith('.')) relative = `./${relative}`;
  return originalSpec.endsWith('.js') ? relative.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs') : relative;
}

const NAMED = /^(import|export)(\s+type)?\s*\{([^}]*)\}\s*from\s*'([^']+)';?/gm;
const ANY_SPEC = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bvi\.mock\(\s*)'([^']+)'/g;

/** Marks a specifier already rewritten by the first pass, so the second leaves it alone. */
const DONE = '\u0000';

/** Rewrites one file's imports; `oldPath` is where the file was when its specifiers were written. */
function rewrite(text: string, newPath: string, oldPath: string, moves: Map<string, string>): string {
  // 1. Named imports from a module that splits: one statement per new home.
  let out = text.replace(NAMED, (statement, keyword: string, typeOnly: string | undefined, names: string, spec: string) => {
    const oldTarget = resolveSpec(oldPath, spec);
    if (oldTarget === undefined || SYMBOL_HOMES[oldTarget] === undefined) return statement;
    const groups = new Map<string, string[]>();
    for (const raw of names.split(',').map((part) => part.trim())) {
      if (raw.length === 0) continue;
      const name = raw.replace(/^type\s+/, '').split(/\s+as\s+/)[0] as string;
      const home = SYMBOL_HOMES[oldTarget]?.[name] ?? moves.get(oldTarget) ?? oldTarget;
      groups.set(home, [...(groups.get(home) ?? []), raw]);
    }
    return [...groups]
      .map(([home, group]) => `${keyword}${typeOnly ?? ''} { ${group.join(', ')} } from '${DONE}${specifierFor(newPath, home, spec)}';`)
      .join('\n');
  });
  // 2. Every other relative specifier: re-aimed when its target or the file itself moved.
  out = out.replace(ANY_SPEC, (whole, lead: string, spec: string) => {
    const oldTarget = resolveSpec(oldPath, spec);
    if (oldTarget === undefined) return whole;
    const target = moves.get(oldTarget) ?? oldTarget;
    if (target === oldTarget && newPath === oldPath) return whole;
    return `${lead}'${specifierFor(newPath, target, spec)}'`;
  });
  out = out.split(DONE).join('');
  // 3. Comments that name a moved file by its repository path.
  for (const [from, to] of moves) out = out.replace(new RegExp(`(?<![\\w./-])${from.replace(/[.]/g, '\\.')}`, 'g'), to);
  return out;
}

function allSourceFiles(): string[] {
  return git('ls-files')
    .split('\n')
    .filter((file) => SOURCE.test(file) && !file.startsWith('scripts/codemods/'));
}

function main(): void {
  const moves = plannedMoves();
  if (moves.size === 0) {
    console.log('nothing to move: the codemod already ran here');
    return;
  }
  const oldPathOf = new Map<string, string>();
  for (const [from, to] of moves) oldPathOf.set(to, from);
  for (const [from, to] of moves) {
    mkdirSync(path.dirname(path.join(ROOT, to)), { recursive: true });
    git('mv', from, to);
    console.log(`moved ${from} → ${to}`);
  }
  const changed: string[] = [];
  for (const file of allSourceFiles()) {
    const full = path.join(ROOT, file);
    if (!existsSync(full)) continue;
    const before = readFileSync(full, 'utf8');
    const after = rewrite(before, file, oldPathOf.get(file) ?? file, moves);
    if (after !== before) {
      writeFileSync(full, after);
      changed.push(file);
    }
  }
  // Merge the imports that now name the same module and sort them, as `npm run format` does.
  spawnSync(path.join(ROOT, 'node_modules', '.bin', 'biome'), ['check', '--write', ...changed], { cwd: ROOT, stdio: 'inherit' });
  for (const folder of ['lambdas/transport', 'sdk', 'cli', 'node-agent']) {
    if (existsSync(path.join(ROOT, folder)) && readdirSync(path.join(ROOT, folder)).length === 0) rmdirSync(path.join(ROOT, folder));
  }
  console.log(`${moves.size} files moved, imports rewritten in ${changed.length} files`);
}

main();
