import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearerToken, loadTokenStore, parseTokens, TokenFileError } from '../../src/auth/tokens.ts';
import { isPublicPath, parsePublicPaths } from '../../src/auth/public-paths.ts';

test('one token per line; blank and # lines ignored; whitespace inside a token is an error naming the line only', () => {
  assert.equal(parseTokens('# ops\n\nalpha-123\r\n  beta-456  \n#x\n', 'f'), ['alpha-123', 'beta-456']);
  try {
    parseTokens('good\nbad secret-part\n', 'f');
    assert.unreachable();
  } catch (e) {
    assert.instance(e, TokenFileError);
    assert.match((e as Error).message, /f line 2/);
    assert.not.match((e as Error).message, /secret-part|bad/);
  }
  assert.throws(() => parseTokens('# only a comment\n\n', 'f'), /holds no token/);
});

test('verify: only current tokens, exact match; reload rotates; a bad file keeps the old tokens', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'superserve-tokens-'));
  const file = join(dir, 'tokens');
  try {
    await writeFile(file, 'alpha-123\nbeta-456\n');
    const store = await loadTokenStore(file);
    assert.is(store.size, 2);
    assert.ok(store.verify('alpha-123'));
    assert.ok(store.verify('beta-456'));
    for (const bad of [undefined, '', 'alpha-12', 'alpha-1234', 'ALPHA-123', 'gamma']) assert.not.ok(store.verify(bad), String(bad));
    await writeFile(file, 'beta-456\ngamma-789\n');
    assert.is(await store.reload(), 2);
    assert.not.ok(store.verify('alpha-123'));
    assert.ok(store.verify('gamma-789'));
    await writeFile(file, '\n# emptied by mistake\n');
    await store.reload().then(() => assert.unreachable('an empty file must not reload'), (e: Error) => assert.match(e.message, /holds no token/));
    assert.ok(store.verify('gamma-789'), 'old tokens stay after a bad reload');
    await rm(file);
    await store.reload().then(() => assert.unreachable(), (e: Error) => assert.match(e.message, /cannot read the tokens file .*ENOENT/));
    assert.ok(store.verify('beta-456'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a missing tokens file is a clear error at load', async () => {
  await loadTokenStore('/nowhere/tokens').then(() => assert.unreachable(), (e: Error) => {
    assert.instance(e, TokenFileError);
    assert.match(e.message, /cannot read the tokens file \/nowhere\/tokens: ENOENT/);
  });
});

test('bearerToken: the Bearer scheme only', () => {
  assert.is(bearerToken('Bearer abc.def'), 'abc.def');
  assert.is(bearerToken('bearer  abc'), 'abc');
  for (const h of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', 'abc']) assert.is(bearerToken(h), undefined, String(h));
});

test('public paths: health always; an entry opens itself and what is below it', () => {
  const open = parsePublicPaths('/metrics, /dashboard/');
  assert.equal(open, ['/metrics', '/dashboard']);
  assert.ok(isPublicPath('/v2/health/live', []));
  assert.ok(isPublicPath('/v2/health/ready', []));
  assert.not.ok(isPublicPath('/v2/health/readyx', []));
  assert.not.ok(isPublicPath('/v2', []));
  assert.ok(isPublicPath('/metrics', open));
  assert.ok(isPublicPath('/dashboard/events', open));
  assert.not.ok(isPublicPath('/dashboardx', open));
  assert.not.ok(isPublicPath('/metricsx', open));
  assert.throws(() => parsePublicPaths('metrics'), /not a path/);
  assert.throws(() => parsePublicPaths('/v2/*'), /no wildcards/);
});

test.run();
