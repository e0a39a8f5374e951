/**
 * A Python tool from PyPI at pinned versions, installed on first use into its own virtualenv under
 * `.cache/` (ignored by git) and reinstalled only when the pinned list changes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CACHE_DIR } from './paths.js';
import { run } from './run.js';

/** Installs `packages` (pip requirement strings, pinned) into `.cache/<venv>`; answers its `bin` directory. */
async function installPythonTool(venv: string, packages: readonly string[], log: (line: string) => void = () => {}): Promise<string> {
  const dir = path.join(CACHE_DIR, venv);
  const marker = path.join(dir, 'b3iq-packages.txt');
  const wanted = packages.join('\n');
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== wanted) {
    log(`installing ${packages.join(' ')} into ${path.relative(process.cwd(), dir)} (first run only)`);
    mkdirSync(CACHE_DIR, { recursive: true });
    await run('python3', ['-m', 'venv', dir]);
    await run(path.join(dir, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--quiet', ...packages]);
    writeFileSync(marker, wanted);
  }
  return path.join(dir, 'bin');
}

export { installPythonTool };
