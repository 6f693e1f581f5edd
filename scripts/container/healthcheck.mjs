#!/usr/bin/env node
// The image's HEALTHCHECK. `serve` (PID 1): healthy when GET /v2/health/ready answers 200 on its --port
// (default 8080), over HTTPS when it serves TLS (--tls-cert or SUPERSERVE_TLS_CERT; the certificate is not
// checked: this is the server asking itself). `worker`: no HTTP port; healthy while it runs (it exits
// non-zero on failure).
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean);
if (argv.includes('worker')) process.exit(0);
const flag = (name) => {
  const at = argv.indexOf(name);
  if (at >= 0) return argv[at + 1];
  return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
};
const port = flag('--port') ?? '8080';
const tls = flag('--tls-cert') !== undefined || Boolean(process.env.SUPERSERVE_TLS_CERT);
const get = tls ? httpsGet : httpGet;
const req = get({ host: '127.0.0.1', port, path: '/v2/health/ready', timeout: 4000, rejectUnauthorized: false },
  (res) => { res.resume(); process.exit(res.statusCode === 200 ? 0 : 1); });
req.on('timeout', () => req.destroy());
req.on('error', () => process.exit(1));
