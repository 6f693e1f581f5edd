/**
 * Bearer-token authentication of every HTTP route but the health probes and `--public-paths`: a request
 * without a valid `Authorization: Bearer <token>` gets 401 {"error":"unauthorized"} with
 * `WWW-Authenticate: Bearer`, the same answer whatever was wrong (no header, wrong scheme, unknown token).
 * A `session` (the dashboard's cookie login, dashboard-session.ts) may accept a request too, or answer a
 * refused one itself (its login page).
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono';
import { isPublicPath } from '../auth/public-paths.ts';
import { bearerToken, type TokenStore } from '../auth/tokens.ts';

export interface HttpAuth {
  tokens: Pick<TokenStore, 'verify'>;
  publicPaths: readonly string[];
  session?: {
    accepts(c: Context): boolean;
    /** An answer of its own for a refused request (undefined: the plain 401). */
    challenge(c: Context): Response | Promise<Response> | undefined;
  };
}

export function unauthorized(c: Context): Response {
  return c.json({ error: 'unauthorized' }, 401, { 'WWW-Authenticate': 'Bearer' });
}

export function requireToken(auth: HttpAuth): MiddlewareHandler {
  return async (c, next) => {
    if (isPublicPath(c.req.path, auth.publicPaths) || auth.tokens.verify(bearerToken(c.req.header('authorization'))) || auth.session?.accepts(c)) {
      await next();
      return;
    }
    return (await auth.session?.challenge(c)) ?? unauthorized(c);
  };
}
