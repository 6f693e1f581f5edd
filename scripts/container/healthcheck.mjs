#!/usr/bin/env node
// The image's HEALTHCHECK. `serve` (PID 1): healthy when GET /v2/health/ready answers 200 on its --port
// (default 8080). `worker`: it has no HTTP port; healthy while it runs (it exits non-zero on failure).
import { readFileSync } from 'node:fs';

const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0').filter(Boolean);
if (argv.includes('worker')) process.exit(0);
const at = argv.indexOf('--port');
const eq = argv.find((a) => a.startsWith('--port='));
const port = at >= 0 ? argv[at + 1] : eq ? eq.slice('--port='.length) : '8080';
const ctl = AbortSignal.timeout(4000);
fetch(`http://127.0.0.1:${port}/v2/health/ready`, { signal: ctl })
  .then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1));
