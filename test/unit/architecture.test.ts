/**
 * The control plane's folders depend downwards only: the Lambda entry points (`handlers/`) wire
 * everything; the use cases (`services/`) depend on the pure rules (`domain/`) and on their ports,
 * never on HTTP, AWS or an adapter; the adapters implement the ports; `domain/` depends on nothing
 * but the wire protocol. A test, so that an import that runs upward fails CI instead of a review.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LAMBDAS = fileURLToPath(new URL('../../lambdas/', import.meta.url));

/** The folder a file of `lambdas/` belongs to; `services/ports` is a folder of its own. */
function folderOf(file: string): string {
  const parts = file.split(path.sep);
  if (parts.length === 1) return '.';
  return parts[0] === 'services' && parts[1] === 'ports' ? 'services/ports' : (parts[0] as string);
}

/** For each folder: the folders of `lambdas/` it may import, and the packages it may import. */
const ALLOWED: Record<string, { folders: string[]; packages: RegExp }> = {
  // node:net for its pure address parsing (isIP, BlockList) in the webhook URL rules.
  domain: { folders: ['domain'], packages: /^(node:crypto|node:net|@b3iq\/protocol)$/ },
  'services/ports': { folders: ['services/ports', 'domain'], packages: /^@b3iq\/protocol$/ },
  services: { folders: ['services', 'services/ports', 'domain', 'observability'], packages: /^(node:[a-z_/]+|@b3iq\/protocol)$/ },
  observability: { folders: ['observability', 'domain'], packages: /^(@aws-lambda-powertools\/[a-z]+|@middy\/core|aws-lambda)$/ },
  http: { folders: ['http', 'domain', 'observability'], packages: /^(node:[a-z_/]+|@b3iq\/protocol|@middy\/core|aws-lambda)$/ },
  adapters: {
    folders: ['adapters', 'services/ports', 'domain', '.'],
    packages: /^(node:[a-z_/]+|@b3iq\/protocol|@aws-sdk\/client-[a-z-]+)$/,
  },
};

interface Import {
  file: string;
  specifier: string;
}

function imports(): Import[] {
  return readdirSync(LAMBDAS, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [...readFileSync(path.join(LAMBDAS, file), 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'/gm)].map((match) => ({
        file,
        specifier: match[1] as string,
      })),
    );
}

/** An import that the importing file's folder may not make. */
function forbidden({ file, specifier }: Import): boolean {
  const rule = ALLOWED[folderOf(file)];
  if (rule === undefined) return false;
  if (!specifier.startsWith('.')) return !rule.packages.test(specifier);
  const target = path.normalize(path.join(path.dirname(file), specifier));
  return target.startsWith('..') || !rule.folders.includes(folderOf(target));
}

describe('lambdas/ imports', () => {
  const all = imports();

  it.each(Object.keys(ALLOWED))('%s imports only the folders below it', (folder) => {
    const own = all.filter(({ file }) => folderOf(file) === folder);

    expect(own.length).toBeGreaterThan(0);
    expect(own.filter(forbidden)).toEqual([]);
  });

  it('sees an upward import as one', () => {
    expect(forbidden({ file: path.join('domain', 'job.ts'), specifier: '../services/control-plane.js' })).toBe(true);
    expect(forbidden({ file: path.join('services', 'submit-job.ts'), specifier: '../http/request.js' })).toBe(true);
    expect(forbidden({ file: path.join('services', 'submit-job.ts'), specifier: '@aws-sdk/client-dynamodb' })).toBe(true);
    expect(forbidden({ file: path.join('adapters', 'dynamodb', 'job-store.ts'), specifier: '../../services/job-closing.js' })).toBe(true);
    expect(forbidden({ file: path.join('services', 'submit-job.ts'), specifier: '../domain/job.js' })).toBe(false);
  });
});
