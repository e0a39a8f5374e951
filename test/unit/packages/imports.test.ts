/**
 * What the published packages may import: nothing of the server, only their declared dependencies,
 * and inside the protocol no folder imports one above it (schemas ← encoding ← transport ←
 * signatures ← views ← client), so no cycle like the old transport ↔ domain one comes back.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PACKAGES = fileURLToPath(new URL('../../../packages/', import.meta.url));
const PROTOCOL_LAYERS = ['schemas', 'encoding', 'transport', 'signatures', 'views', 'client'];

interface Import {
  file: string;
  specifier: string;
}

function importsOf(pkg: string): Import[] {
  const src = path.join(PACKAGES, pkg, 'src');
  return readdirSync(src, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      [...readFileSync(path.join(src, file), 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*'([^']+)'/gm)].map((match) => ({
        file,
        specifier: match[1] as string,
      })),
    );
}

/** The folder's rank; `index.ts` sits above them all. */
const layerOf = (file: string): number =>
  file === 'index.ts' ? PROTOCOL_LAYERS.length : PROTOCOL_LAYERS.indexOf(file.split(path.sep)[0] as string);

describe('package imports', () => {
  it.each([
    ['protocol', /^(node:|@noble\/)/],
    ['sdk', /^(node:|@b3iq\/protocol$)/],
    ['node-agent', /^(node:|@noble\/|@b3iq\/protocol$)/],
  ])('%s imports only its own files and its dependencies', (pkg, allowed) => {
    const outside = importsOf(pkg).filter(({ file, specifier }) =>
      specifier.startsWith('.') ? path.normalize(path.join(path.dirname(file), specifier)).startsWith('..') : !allowed.test(specifier),
    );

    expect(outside).toEqual([]);
  });

  it('has no protocol folder importing a folder above it', () => {
    const imports = importsOf('protocol').filter(({ specifier }) => specifier.startsWith('.'));
    const upward = imports.filter(({ file, specifier }) => {
      const target = path.normalize(path.join(path.dirname(file), specifier));
      return layerOf(target) > layerOf(file);
    });

    expect(imports.length).toBeGreaterThan(10);
    expect(upward).toEqual([]);
  });
});
