import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseServeConfig } from '../../src/server/config.ts';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseServeConfig(argv, env).config;

test('TLS, tokens and public paths: flags, environment equivalents, and pairs that go together', () => {
  const c = parse(['--tls-cert', 'c.pem', '--tls-key', 'k.pem', '--auth-tokens-file', 't', '--public-paths', '/metrics,/dashboard']);
  assert.equal(c.tls, { certFile: 'c.pem', keyFile: 'k.pem' });
  assert.is(c.authTokensFile, 't');
  assert.equal(c.publicPaths, ['/metrics', '/dashboard']);
  const e = parse([], { SUPERSERVE_TLS_CERT: 'c', SUPERSERVE_TLS_KEY: 'k', SUPERSERVE_AUTH_TOKENS_FILE: 'f', SUPERSERVE_PUBLIC_PATHS: '/metrics' });
  assert.equal([e.tls, e.authTokensFile, e.publicPaths], [{ certFile: 'c', keyFile: 'k' }, 'f', ['/metrics']]);
  const d = parse([]);
  assert.equal([d.tls, d.authTokensFile, d.publicPaths, d.natsAuth], [undefined, undefined, [], {}]);
  assert.throws(() => parse(['--tls-cert', 'c.pem']), /--tls-cert and --tls-key go together/);
  assert.throws(() => parse(['--public-paths', '/metrics']), /--public-paths needs --auth-tokens-file/);
  assert.throws(() => parse(['--auth-tokens-file', 't', '--public-paths', 'metrics']), /not a path/);
});

test('NATS credentials: one kind at most, pairs together, environment equivalents', () => {
  assert.equal(parse(['--nats-token-file', 'tok', '--nats-tls-ca', 'ca']).natsAuth, { tokenFile: 'tok', tlsCa: 'ca' });
  assert.equal(parse([], { SUPERSERVE_NATS_USER: 'u', SUPERSERVE_NATS_PASSWORD_FILE: 'p' }).natsAuth, { user: 'u', passwordFile: 'p' });
  assert.equal(parse(['--nats-creds', 'x.creds']).natsAuth, { credsFile: 'x.creds' });
  assert.throws(() => parse(['--nats-token-file', 'a', '--nats-creds', 'b']), /give one NATS credential/);
  assert.throws(() => parse(['--nats-user', 'u']), /--nats-user and --nats-password-file go together/);
  assert.throws(() => parse(['--nats-tls-cert', 'c']), /--nats-tls-cert and --nats-tls-key go together/);
});

test('--otlp-endpoint, else the standard OTEL_EXPORTER_OTLP_* variables; off by default; an http(s) URL only', () => {
  assert.is(parse([]).otlpEndpoint, undefined);
  assert.is(parse(['--otlp-endpoint', 'http://c:4318']).otlpEndpoint, 'http://c:4318');
  assert.is(parse([], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).otlpEndpoint, 'http://c:4318');
  assert.is(parse([], { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://t/v1/traces' }).otlpEndpoint, 'http://t/v1/traces');
  assert.throws(() => parse(['--otlp-endpoint', 'collector:4317']), /must be an http\(s\):\/\/ URL/);
});

test.run();
