/**
 * Bearer tokens from a file (one per line; blank lines and `#` comments ignored), held only as SHA-256
 * digests and checked in constant time: every presented token is hashed to the same length and compared
 * with every known digest (crypto.timingSafeEqual, no early exit), so neither the length nor the position
 * of a match shows in the time taken. `reload()` re-reads the file (SIGHUP rotation); a bad file keeps the
 * old tokens. No error or log line ever carries a token.
 * @module
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

export class TokenFileError extends Error { override name = 'TokenFileError'; }

export interface TokenStore {
  /** True when `presented` is one of the current tokens. */
  verify(presented: string | undefined): boolean;
  /** Re-read the file; on a bad file the current tokens stay and the error (no contents) is thrown. */
  reload(): Promise<number>;
  /** Tokens currently accepted. */
  readonly size: number;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** The tokens of a file's text; throws (naming the line, never its contents) on a token with whitespace inside. */
export function parseTokens(text: string, file: string): string[] {
  const tokens: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (/\s/.test(line)) throw new TokenFileError(`${file} line ${i + 1}: a token must not contain whitespace`);
    tokens.push(line);
  });
  if (tokens.length === 0) throw new TokenFileError(`${file} holds no token (one per line; blank and # lines are ignored)`);
  return tokens;
}

async function readTokens(file: string): Promise<Buffer[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new TokenFileError(`cannot read the tokens file ${file}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`);
  }
  return [...new Set(parseTokens(text, file))].map(digest);
}

/** Loads `file` (throws TokenFileError when it is missing, unreadable or empty). */
export async function loadTokenStore(file: string): Promise<TokenStore> {
  let digests = await readTokens(file);
  return {
    verify(presented) {
      if (presented === undefined || presented === '') return false;
      const d = digest(presented);
      let ok = false;
      for (const known of digests) ok = timingSafeEqual(d, known) || ok;
      return ok;
    },
    async reload() {
      digests = await readTokens(file);
      return digests.length;
    },
    get size() { return digests.length; },
  };
}

/** The token of an `Authorization: Bearer <token>` value, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer[ ]+([^\s]+)[ ]*$/i.exec(header);
  return m?.[1];
}
