/**
 * Relative links in Markdown: which of them point nowhere. Used by links.test.ts on README.md and docs/*.md.
 * @module
 */
import { dirname, resolve } from 'node:path';

/** The anchors GitHub gives the headings of `markdown` (fenced code skipped; repeats get -1, -2, ...). */
export function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) { fenced = !fenced; continue; }
    const m = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = m[1]!.toLowerCase().replace(/<[^>]*>/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    slugs.add(n === 0 ? base : `${base}-${n}`);
  }
  return slugs;
}

export interface BrokenLink { target: string; line: number; why: string }
export interface Files { exists(path: string): boolean; read(path: string): string }

/** Links of `markdown` (the text of `file`) whose relative target or #anchor does not exist. */
export function brokenLinks(file: string, markdown: string, fs: Files): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const lines = markdown.split('\n');
  let fenced = false;
  lines.forEach((text, i) => {
    if (/^\s*(```|~~~)/.test(text)) { fenced = !fenced; return; }
    if (fenced) return;
    for (const m of text.replace(/`[^`]*`/g, '').matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      const [path, anchor] = target.split('#', 2) as [string, string | undefined];
      const resolved = path === '' ? file : resolve(dirname(file), decodeURIComponent(path));
      if (path !== '' && !fs.exists(resolved)) { broken.push({ target, line: i + 1, why: 'no such file' }); continue; }
      if (anchor === undefined || anchor === '') continue;
      const source = path === '' ? markdown : resolved.endsWith('.md') ? fs.read(resolved) : null;
      if (source !== null && !headingSlugs(source).has(anchor.toLowerCase())) broken.push({ target, line: i + 1, why: 'no such heading' });
    }
  });
  return broken;
}
