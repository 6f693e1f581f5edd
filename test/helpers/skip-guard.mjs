// Preloaded by scripts/test.sh (`node --import`): a test that prints "SKIPPED" and returns would count as
// passed, so once uvu starts running tests (all test files are imported before that), a console line with
// SKIPPED throws inside the test body, failing that test; one printed outside any test body (a timer, a hook
// whose error is swallowed) fails the run at exit. Skips belong at registration time: test.skip / testIf.
const MARK = /\bSKIPPED\b/;
const RULE = 'printed SKIPPED while tests were running: register the test as skipped (test.skip / testIf in test/fixtures.ts) instead of returning early';

let running = false;
const offences = [];

// uvu keeps its run queue in globalThis.UVU_QUEUE and walks it with for..of exactly once, in exec(),
// after every test file was imported: iterating it is the moment tests start.
const queue = [];
const iterate = queue[Symbol.iterator].bind(queue);
queue[Symbol.iterator] = () => { running = true; return iterate(); };
globalThis.UVU_QUEUE = queue;

for (const method of ['log', 'info', 'warn', 'error', 'debug']) {
  const original = console[method].bind(console);
  console[method] = (...args) => {
    original(...args);
    if (!running || !args.some((a) => typeof a === 'string' && MARK.test(a))) return;
    const err = new Error(RULE);
    offences.push(err.stack ?? RULE);
    throw err;
  };
}

process.on('exit', () => {
  if (offences.length === 0) return;
  process.stderr.write(`\nskip guard: ${offences.length} test(s) ${RULE}\n${offences.join('\n')}\n`);
  process.exitCode = 1;
});
