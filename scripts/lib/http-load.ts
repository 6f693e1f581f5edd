/**
 * Closed-loop HTTP load from a separate process: `node --import tsx http-load.ts URL BODYFILE SECONDS CONCURRENCY`.
 * Prints one JSON line {requests, ok, seconds, rps}.
 * @module
 */
import { readFileSync } from 'node:fs';

const [url, bodyFile, seconds = '5', conc = '16'] = process.argv.slice(2);
if (url === undefined || bodyFile === undefined) { console.error('usage: http-load URL BODYFILE [SECONDS] [CONCURRENCY]'); process.exit(2); }
const body = readFileSync(bodyFile, 'utf8');
const until = performance.now() + Number(seconds) * 1000;
let requests = 0; let ok = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: Number(conc) }, async () => {
  while (performance.now() < until) {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await r.arrayBuffer();
    requests++;
    if (r.status === 200) ok++;
  }
}));
const s = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ requests, ok, seconds: s, rps: requests / s }));
