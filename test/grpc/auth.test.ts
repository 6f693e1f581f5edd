/**
 * gRPC over TLS with bearer tokens: the same matrix as HTTP (right, wrong, none, rotated out), health and
 * ServerLive/ServerReady open, and a plain-text client on the TLS port gets no answer.
 */
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status, type Client } from '@grpc/grpc-js';
import { testIf } from '../fixtures.ts';
import { loadTokenStore, type TokenStore } from '../../src/auth/tokens.ts';
import { healthClient, inferenceClient } from '../../src/grpc/proto.ts';
import { startGrpcServer, type GrpcServerHandle } from '../../src/grpc/server.ts';
import { FakeService } from '../http/fake-service.ts';
import { grpcRequest } from './helpers.ts';
import { HAVE_OPENSSL, makeCert, type TestCert } from '../helpers/tls-certs.ts';
import { test } from 'uvu';

type AnyClient = Client & Record<string, Function>;
let cert: TestCert;
let dir: string;
let file: string;
let tokens: TokenStore;
let server: GrpcServerHandle;
let client: AnyClient;
let health: AnyClient;
const service = new FakeService();
/** The certificate names localhost too: an SNI name (an IP is not one, RFC 6066). */
const SNI = { 'grpc.ssl_target_name_override': 'localhost' };

test.before(async () => {
  if (!HAVE_OPENSSL) return;
  cert = makeCert();
  dir = await mkdtemp(join(tmpdir(), 'superserve-grpc-auth-'));
  file = join(dir, 'tokens');
  await writeFile(file, 'right-token-1\nsecond-token-2\n');
  tokens = await loadTokenStore(file);
  server = await startGrpcServer({ service, limits: { defaultSloMs: 100 }, port: 0, host: '127.0.0.1', tls: { cert: cert.cert, key: cert.key }, tokens, log: () => {} });
  const creds = credentials.createSsl(cert.cert);
  client = new (inferenceClient())(`127.0.0.1:${server.port}`, creds, SNI) as AnyClient;
  health = new (healthClient())(`127.0.0.1:${server.port}`, creds, SNI) as AnyClient;
});
test.after(async () => {
  client?.close(); health?.close();
  await server?.close();
  cert?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function call(c: AnyClient, method: string, req: unknown, token?: string, deadlineMs = 10_000): Promise<{ code: number; details?: string; res?: any }> {
  const md = new Metadata();
  if (token !== undefined) md.set('authorization', token.includes(' ') ? token : `Bearer ${token}`);
  return new Promise((resolve) => {
    c[method]!(req, md, { deadline: Date.now() + deadlineMs }, (err: { code: number; details: string } | null, res: unknown) =>
      resolve(err ? { code: err.code, details: err.details } : { code: status.OK, res }));
  });
}

const gated: Array<[string, unknown]> = [
  ['ServerMetadata', {}], ['ModelMetadata', { name: 'ofa-fake' }], ['ModelReady', { name: 'ofa-fake' }],
  ['ModelConfig', { name: 'ofa-fake' }], ['RepositoryIndex', {}],
  ['ModelInfer', grpcRequest({ parameters: { slo_ms: 50 }, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3, 16, 16], fp32: new Array(768).fill(0.5) }] }, true)],
];

const t = testIf(HAVE_OPENSSL);

t('matrix over TLS: right token answers; wrong, none and another scheme are UNAUTHENTICATED "unauthorized"', async () => {
  for (const [method, req] of gated) {
    const ok = await call(client, method, req, 'right-token-1');
    assert.is(ok.code, status.OK, `${method} with the right token: ${ok.details}`);
    for (const bad of [undefined, 'wrong-token', 'Basic cmlnaHQtdG9rZW4tMQ==']) {
      const r = await call(client, method, req, bad);
      assert.is(r.code, status.UNAUTHENTICATED, `${method} with ${bad}`);
      assert.is(r.details, 'unauthorized');
    }
  }
  assert.is(service.calls.length, 1, 'only the authenticated ModelInfer reached the model');
  service.calls.length = 0;
});

t('ModelStreamInfer: without a valid token the stream ends UNAUTHENTICATED; with one it answers', async () => {
  const stream = (token?: string) => new Promise<{ code: number; details?: string; answers: number }>((resolve) => {
    const md = new Metadata();
    if (token) md.set('authorization', `Bearer ${token}`);
    const s = client.ModelStreamInfer!(md, { deadline: Date.now() + 10_000 });
    let answers = 0;
    s.on('data', () => { answers++; });
    s.on('error', (e: { code: number; details: string }) => resolve({ code: e.code, details: e.details, answers }));
    s.on('end', () => resolve({ code: status.OK, answers }));
    s.write(gated.find(([m]) => m === 'ModelInfer')![1]);
    s.end();
  });
  for (const bad of [undefined, 'wrong-token']) {
    const r = await stream(bad);
    assert.equal([r.code, r.details, r.answers], [status.UNAUTHENTICATED, 'unauthorized', 0], String(bad));
  }
  const ok = await stream('right-token-1');
  assert.equal([ok.code, ok.answers], [status.OK, 1]);
});

t('health stays open: ServerLive, ServerReady, grpc.health.v1 Check', async () => {
  assert.equal((await call(client, 'ServerLive', {})).res, { live: true });
  assert.equal((await call(client, 'ServerReady', {})).res, { ready: true });
  assert.equal((await call(health, 'Check', { service: '' })).res, { status: 'SERVING' });
});

t('rotation: a token removed from the file is refused after reload', async () => {
  assert.is((await call(client, 'ServerMetadata', {}, 'second-token-2')).code, status.OK);
  await writeFile(file, 'right-token-1\n');
  await tokens.reload();
  assert.is((await call(client, 'ServerMetadata', {}, 'second-token-2')).code, status.UNAUTHENTICATED);
  assert.is((await call(client, 'ServerMetadata', {}, 'right-token-1')).code, status.OK);
});

t('a plain-text client on the TLS port gets no answer (not even health), and an untrusting one neither', async () => {
  const plain = new (inferenceClient())(`127.0.0.1:${server.port}`, credentials.createInsecure()) as AnyClient;
  const r = await call(plain, 'ServerLive', {}, 'right-token-1', 3000);
  plain.close();
  assert.is(r.code, status.UNAVAILABLE, `plain text: ${r.code} ${r.details}`);
  const other = makeCert('another-ca');
  try {
    const untrusting = new (inferenceClient())(`127.0.0.1:${server.port}`, credentials.createSsl(other.cert), SNI) as AnyClient;
    const u = await call(untrusting, 'ServerLive', {}, 'right-token-1', 3000);
    untrusting.close();
    assert.is(u.code, status.UNAVAILABLE, `untrusted certificate: ${u.code} ${u.details}`);
  } finally {
    other.remove();
  }
});

test.run();
