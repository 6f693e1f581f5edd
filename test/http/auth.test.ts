/**
 * Bearer tokens on the HTTP app: every route but health and the public paths needs a valid token, every
 * refusal is the same 401; rotation (reload) refuses a removed token at once; the dashboard's sign-in
 * opens the dashboard only, and a reload ends its sessions.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { loadTokenStore, type TokenStore } from '../../src/auth/tokens.ts';
import { dashboardSessions } from '../../src/http/dashboard-session.ts';
import { harness, INFER, fp32Body } from './helpers.ts';

let dir: string;
let file: string;
let tokens: TokenStore;

test.before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'superserve-http-auth-'));
  file = join(dir, 'tokens');
  await writeFile(file, '# tokens\nright-token-1\nsecond-token-2\n');
  tokens = await loadTokenStore(file);
});
test.after(async () => { await rm(dir, { recursive: true, force: true }); });

const fakeDashboard = { register(app: Hono) {
  app.get('/dashboard', (c) => c.text('dashboard page'));
  app.get('/dashboard/events', (c) => c.text('events'));
} };

const get = (app: Hono, path: string, headers: Record<string, string> = {}) => app.request(path, { headers });
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function assertRefused(res: Response, what: string) {
  assert.is(res.status, 401, what);
  assert.is(res.headers.get('www-authenticate'), 'Bearer', what);
  assert.equal(await res.json(), { error: 'unauthorized' }, what);
}

test('matrix: right token answers; wrong, none, another scheme all get the same 401; health stays open', async () => {
  const h = harness({ auth: { tokens, publicPaths: [] } });
  for (const path of ['/v2', '/v2/models/ofa-fake', '/v2/models/ofa-fake/config', '/metrics', '/v2/models/stats']) {
    assert.is((await get(h.app, path, bearer('right-token-1'))).status, 200, path);
    await assertRefused(await get(h.app, path), `${path} without a token`);
    await assertRefused(await get(h.app, path, bearer('wrong-token')), `${path} wrong token`);
    await assertRefused(await get(h.app, path, { authorization: 'Basic cmlnaHQtdG9rZW4tMQ==' }), `${path} basic`);
  }
  await assertRefused(await h.app.request(INFER, { method: 'POST', body: JSON.stringify(fp32Body([1, 3, 2, 2], new Array(12).fill(0))) }), 'infer');
  assert.is(h.service.calls.length, 0, 'a refused request reaches no model');
  assert.is((await get(h.app, '/v2/health/live')).status, 200);
  assert.ok([200, 400].includes((await get(h.app, '/v2/health/ready')).status));
  await assertRefused(await get(h.app, '/v2/models/ofa-fake/ready'), 'model readiness is not a health probe');
  await assertRefused(await get(h.app, '/no/such/route'), 'an unknown path tells nothing either');
});

test('--public-paths opens the listed paths only', async () => {
  const h = harness({ auth: { tokens, publicPaths: ['/metrics'] } });
  assert.is((await get(h.app, '/metrics')).status, 200);
  await assertRefused(await get(h.app, '/v2'), '/v2');
});

test('rotation: a token removed from the file is refused after reload, a new one accepted', async () => {
  const h = harness({ auth: { tokens, publicPaths: [] } });
  assert.is((await get(h.app, '/v2', bearer('second-token-2'))).status, 200);
  await writeFile(file, 'right-token-1\nthird-token-3\n');
  await tokens.reload();
  await assertRefused(await get(h.app, '/v2', bearer('second-token-2')), 'removed token');
  assert.is((await get(h.app, '/v2', bearer('third-token-3'))).status, 200);
  assert.is((await get(h.app, '/v2', bearer('right-token-1'))).status, 200);
});

test('dashboard: a sign-in form, a session cookie that opens /dashboard only, ended by a reload', async () => {
  const sessions = dashboardSessions({ tokens, secure: true });
  const h = harness({ auth: { tokens, publicPaths: [], session: sessions }, dashboard: fakeDashboard });
  const form = await get(h.app, '/dashboard');
  assert.is(form.status, 401);
  assert.match(await form.text(), /<form method="post" action="\/dashboard\/login"/);
  await assertRefused(await get(h.app, '/dashboard/events'), 'the stream without a session');

  const login = (token: string) => h.app.request('/dashboard/login', {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString(),
  });
  const bad = await login('wrong-token');
  assert.is(bad.status, 401);
  assert.is(bad.headers.get('set-cookie'), null);
  assert.match(await bad.text(), /unauthorized/);

  const ok = await login('right-token-1');
  assert.is(ok.status, 303);
  assert.is(ok.headers.get('location'), '/dashboard');
  const setCookie = ok.headers.get('set-cookie')!;
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  assert.match(setCookie, /Secure/);
  assert.match(setCookie, /Path=\/dashboard/);
  assert.not.match(setCookie, /right-token-1/, 'the cookie holds a session id, not the token');
  const cookie = { cookie: setCookie.split(';')[0]! };
  assert.is(await (await get(h.app, '/dashboard', cookie)).text(), 'dashboard page');
  assert.is(await (await get(h.app, '/dashboard/events', cookie)).text(), 'events');
  await assertRefused(await get(h.app, '/v2', cookie), 'a dashboard session does not open the API');
  await assertRefused(await get(h.app, '/dashboard/events', { cookie: 'superserve_session=forged' }), 'a forged session');

  sessions.clear(); // what a token reload does
  await assertRefused(await get(h.app, '/dashboard/events', cookie), 'a session after a reload');
});

test.run();
