/**
 * What the CDK app loads from the Lambda code: names and pure rules, never the Lambda runtime's
 * observability objects (metrics.ts builds a Powertools Metrics object at import).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Every project file bin/app.ts reaches through relative imports (type-only ones too), and every package it names. */
function importClosure(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (fileName.startsWith('.')) visit(path.resolve(path.dirname(file), fileName.replace(/\.js$/, '.ts')));
      else packages.add(fileName);
    }
  };
  visit(path.join(PROJECT_ROOT, entry));
  return { files: [...files].map((file) => path.relative(PROJECT_ROOT, file)).sort(), packages: [...packages].sort() };
}

describe('the CDK app (bin/app.ts)', () => {
  const { files, packages } = importClosure('bin/app.ts');

  it('reads metric names from the pure metric-names module, not from metrics.ts', () => {
    expect(files).toContain('lambdas/observability/metric-names.ts');
    expect(files).toContain('lib/constructs/control-plane-monitoring.ts');
    expect(files).not.toContain('lambdas/observability/metrics.ts');
    expect(files).not.toContain('lambdas/observability/logger.ts');
  });

  it('loads no Powertools or middy package', () => {
    expect(packages.filter((name) => /^@aws-lambda-powertools\/|^@middy\//.test(name))).toEqual([]);
  });

  it('imports only pure modules from metric-names.ts', () => {
    expect(importClosure('lambdas/observability/metric-names.ts')).toEqual({
      files: ['lambdas/observability/metric-names.ts'],
      packages: [],
    });
  });
});
