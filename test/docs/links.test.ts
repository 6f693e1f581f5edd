/**
 * Every relative link in README.md and docs/*.md points at a file (or folder) of the repository, and every
 * #anchor at a heading of its target (GitHub's slugs). External links (http:, https:, mailto:) are not fetched.
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { brokenLinks, headingSlugs } from './links.ts';
import { docFiles } from '../../scripts/bench-tables.ts';

const ROOT = resolve(import.meta.dirname, '../..');

test('GitHub heading slugs: lower case, punctuation dropped, spaces to hyphens, repeats numbered', () => {
  assert.equal(headingSlugs('# Scheduling and admission\n## Policies (`--policy`)\n## SubNetAct: switching, overhead, memory\n```\n# not a heading\n```\n## Policies (`--policy`)\n'),
    new Set(['scheduling-and-admission', 'policies---policy', 'subnetact-switching-overhead-memory', 'policies---policy-1']));
});

test('brokenLinks finds a missing file and a missing anchor, and accepts what exists', () => {
  const files: Record<string, string> = { '/r/a.md': '# Top\n## Part two\n', '/r/docs': '' };
  const exists = (p: string) => p in files;
  const read = (p: string) => files[p]!;
  const md = '[ok](a.md) [ok](a.md#part-two) [ok](#here) [dir](docs) [web](https://example.com/x) [gone](b.md) [bad](a.md#nope) [img](pic.png)\n# Here\n';
  assert.equal(brokenLinks('/r/README.md', md, { exists, read }).map((b) => b.target), ['b.md', 'a.md#nope', 'pic.png']);
});

test('every relative link in README.md and docs/*.md resolves', () => {
  const broken = docFiles(ROOT).filter(existsSync).flatMap((file) => brokenLinks(file, readFileSync(file, 'utf8'), {
    exists: existsSync, read: (p) => (statSync(p).isDirectory() ? '' : readFileSync(p, 'utf8')),
  }).map((b) => `${relative(ROOT, file)}:${b.line}: ${b.target} (${b.why})`));
  assert.equal(broken, []);
});

test.run();
