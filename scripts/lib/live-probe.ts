/**
 * `node --import tsx scripts/lib/live-probe.ts URL EVERY_MS`: times GET /v2/health/live from its own process
 * until stdin closes, then prints one JSON line (probes, failed, p50, p99, max).
 * @module
 */
import { probeLive } from '../../src/replay/burst.ts';

const [url, every = '100'] = process.argv.slice(2);
if (url === undefined) { console.error('usage: live-probe URL [EVERY_MS]'); process.exit(2); }
const probe = probeLive(url, Number(every));
process.stdin.resume();
process.stdin.on('end', async () => { console.log(JSON.stringify(await probe.stop())); process.exit(0); });
