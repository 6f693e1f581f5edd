/**
 * A throw-away self-signed certificate for 127.0.0.1 / localhost, made with the `openssl` CLI at test time
 * (no key is ever committed). `tlsOrSkip()` is null after a loud SKIP line when openssl is missing.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert { dir: string; certFile: string; keyFile: string; cert: Buffer; key: Buffer; remove(): void }

export const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
if (!HAVE_OPENSSL) console.warn('\n!!! SKIPPED: no openssl binary on PATH (TLS tests need it to make a test certificate) !!!\n');

export function makeCert(cn = 'superserve-test'): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'superserve-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { dir, certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
