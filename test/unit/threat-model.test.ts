/**
 * The README's threat model names, for each line, the test that holds it. This keeps the names
 * true: every `file › title` it cites is a test title in that file (an `it.each` title as its
 * pattern), so renaming or deleting the test fails here instead of leaving the claim unbacked.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(`${ROOT}README.md`, 'utf8');

/** Quotes are typography, not meaning: the README and a title may spell an apostrophe either way. */
const plain = (text: string) => text.replaceAll('’', "'");

/** Every cited test: its file under test/ and its title, from `` `file` › title `` and the `› title` that follow it. */
function citedTests(): { file: string; title: string }[] {
  const section = README.slice(README.indexOf('## Threat model'), README.indexOf('\n## ', README.indexOf('## Threat model') + 1));
  const cited: { file: string; title: string }[] = [];
  for (const line of section.split('\n')) {
    let file: string | undefined;
    for (const match of line.matchAll(/(?:`([a-z]+\/[\w./-]+\.test\.ts)`\s*)?›\s*([^|`]+?)(?=\s*(?:;\s*[›`]|\||$))/g)) {
      file = match[1] ?? file;
      if (file !== undefined && match[2] !== undefined) cited.push({ file, title: match[2].trim() });
    }
  }
  return cited;
}

describe('the README threat model', () => {
  const cited = citedTests();

  it('cites tests (the section is found and parsed)', () => {
    expect(cited.length).toBeGreaterThan(25);
  });

  it.each(cited)('cites a test that exists: $file › $title', ({ file, title }) => {
    const path = `${ROOT}test/${file}`;
    expect(existsSync(path), `test/${file} exists`).toBe(true);
    expect(plain(readFileSync(path, 'utf8'))).toContain(plain(title));
  });
});
