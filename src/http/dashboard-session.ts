/**
 * How a browser reaches the dashboard when tokens are on (a page and an EventSource cannot send an
 * Authorization header): `GET /dashboard` without a credential answers 401 with a one-field login form;
 * `POST /dashboard/login` checks the token like any bearer token and sets a random session id in a cookie
 * (HttpOnly, SameSite=Strict, Path=/dashboard, Secure over TLS, 12 h). The token itself is never stored in
 * the browser. A session opens only the dashboard's own paths, and every token reload (SIGHUP rotation)
 * ends all sessions: users whose token is still valid log in again.
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { TokenStore } from '../auth/tokens.ts';

const COOKIE = 'superserve_session';
const PREFIX = '/dashboard';
const LOGIN = '/dashboard/login';
const MAX_SESSIONS = 256;
const MAX_LOGIN_BODY = 4096;

export interface DashboardSessions {
  accepts(c: Context): boolean;
  challenge(c: Context): Response | Promise<Response> | undefined;
  /** Forget every session (called after each token reload). */
  clear(): void;
  readonly size: number;
}

export function dashboardSessions(opts: { tokens: Pick<TokenStore, 'verify'>; secure: boolean; ttlMs?: number; now?: () => number }): DashboardSessions {
  const ttl = opts.ttlMs ?? 12 * 3600_000;
  const now = opts.now ?? Date.now;
  const sessions = new Map<string, number>(); // id -> expiry (ms)
  const underDashboard = (path: string) => path === PREFIX || path.startsWith(`${PREFIX}/`);

  const login = async (c: Context): Promise<Response> => {
    const body = await smallBody(c.req.raw, MAX_LOGIN_BODY);
    if (body === undefined) return loginPage(c, 413);
    const token = new URLSearchParams(body).get('token')?.trim();
    if (!opts.tokens.verify(token)) return loginPage(c, 401);
    const id = randomBytes(32).toString('base64url');
    if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    sessions.set(id, now() + ttl);
    setCookie(c, COOKIE, id, { path: PREFIX, httpOnly: true, sameSite: 'Strict', secure: opts.secure, maxAge: Math.floor(ttl / 1000) });
    return c.redirect(PREFIX, 303);
  };

  return {
    accepts(c) {
      if (!underDashboard(c.req.path) || c.req.path === LOGIN) return false;
      const id = getCookie(c, COOKIE);
      const expiry = id === undefined ? undefined : sessions.get(id);
      if (expiry === undefined) return false;
      if (expiry < now()) { sessions.delete(id!); return false; }
      return true;
    },
    challenge(c) {
      if (c.req.path === LOGIN && c.req.method === 'POST') return login(c);
      if ((c.req.path === PREFIX || c.req.path === `${PREFIX}/`) && c.req.method === 'GET') return loginPage(c, 401);
      return undefined;
    },
    clear() { sessions.clear(); },
    get size() { return sessions.size; },
  };
}

/** The body as text, or undefined when it is larger than `max` bytes (read no further). */
async function smallBody(req: Request, max: number): Promise<string | undefined> {
  if (Number(req.headers.get('content-length') ?? 0) > max) return undefined;
  if (req.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function loginPage(c: Context, status: 401 | 413): Response {
  const note = status === 401 && c.req.method === 'POST' ? '<p role="alert">unauthorized</p>' : '';
  return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SuperServe dashboard: sign in</title></head>
<body><h1>SuperServe dashboard</h1>${note}
<form method="post" action="${LOGIN}"><label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form></body></html>`, status, { 'WWW-Authenticate': 'Bearer', 'Cache-Control': 'no-store' });
}
