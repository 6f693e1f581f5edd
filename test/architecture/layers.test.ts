/**
 * The rooms of the code base and which way imports may run: a room imports only rooms below it. A new import
 * that runs upward (e.g. protocol/ reaching into http/, or the scheduler into serving/) fails here, with the
 * file and the import that did it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Lower numbers are lower rooms. */
const RANK: Record<string, number> = {
  supernet: 0, palette: 0, 'usage-error': 0,
  imaging: 1, scheduler: 1, auth: 1, tracing: 1,
  profiler: 2, worker: 2,
  serving: 3,
  protocol: 4, metrics: 4, sim: 4,
  intake: 5, dashboard: 5, replay: 5,
  http: 6, grpc: 6,
  server: 7, commands: 7,
  cli: 8,
};

/** Rooms of one rank that lean on each other, and why. Keep this list short. */
const SAME_RANK_ALLOWED = new Set([
  'worker->profiler', // an inference thread measures its own profile (measureProfile runs there)
  'profiler->worker', // ... on the engine host the thread owns (a type)
  'server->commands', // the serve command's flags and checkpoint facts (commands/args.ts, checkpoint-arch.ts)
  'commands->server',
]);

function roomOf(file: string): string | undefined {
  const parts = relative(ROOT, file).split('/');
  if (parts[0] === 'supernet') return 'supernet';
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  return parts[1]!.replace(/\.(ts|mjs)$/, '');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(p);
    return /\.(ts|mjs)$/.test(name) ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function edges(): Array<{ file: string; spec: string; from: string; to: string }> {
  const out: Array<{ file: string; spec: string; from: string; to: string }> = [];
  for (const file of [...sourceFiles(join(ROOT, 'src')), ...sourceFiles(join(ROOT, 'supernet'))]) {
    const from = roomOf(file)!;
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      const to = roomOf(normalize(join(dirname(file), spec)));
      if (to !== undefined && to !== from) out.push({ file: relative(ROOT, file), spec, from, to });
    }
  }
  return out;
}

test('every room has a rank', () => {
  const rooms = new Set(edges().flatMap((e) => [e.from, e.to]));
  const unranked = [...rooms].filter((r) => RANK[r] === undefined);
  assert.equal(unranked, [], `rooms without a rank in test/architecture/layers.test.ts: ${unranked.join(', ')}`);
});

test('no import runs upward', () => {
  const found = edges();
  assert.ok(found.length > 50, `the import scan found only ${found.length} cross-room imports`);
  const upward = found.filter((e) => {
    const a = RANK[e.from]!, b = RANK[e.to]!;
    return b > a || (b === a && !SAME_RANK_ALLOWED.has(`${e.from}->${e.to}`));
  });
  assert.equal(upward.map((e) => `${e.file}: '${e.spec}' (${e.from} -> ${e.to})`), []);
});

test('the scan sees an upward import when there is one', () => {
  const probe = "import { x } from '../http/app.ts';\nexport { y } from '../server/config.ts';\nconst z = await import('../grpc/server.ts');";
  const specs = [...probe.matchAll(IMPORT)].map((m) => m[1] ?? m[2]);
  assert.equal(specs, ['../http/app.ts', '../server/config.ts', '../grpc/server.ts']);
});

test.run();
