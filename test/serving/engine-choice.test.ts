/**
 * Profiles keyed and stored per engine, and `--engine auto`'s choice from the tfjs and ort profiles.
 * @module
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseFasterEngine, storedEngineChoice } from '../../src/serving/engine-choice.ts';
import { keyMismatch, profileKey, profilePath, readUsableProfile, writeProfile } from '../../src/serving/profile-store.ts';
import { profileJson } from '../profiler/profile-fixtures.ts';

test('the key names the engine (ort); a tfjs key stays as before, so older profiles remain valid', () => {
  assert.equal(profileKey({ backend: 'wasm', wasmThreads: 2, engine: 'ort' }, 1), { engine: 'ort', backend: 'wasm', wasm_threads: 2, workers: 1 });
  assert.equal(profileKey({ backend: 'wasm', wasmThreads: 2, engine: 'tfjs' }, 1), { backend: 'wasm', wasm_threads: 2, workers: 1 });
  assert.match(keyMismatch({ backend: 'wasm', workers: 1 }, { engine: 'ort', backend: 'wasm', workers: 1 })!, /engine unset, not ort/);
  assert.is(profilePath('/c'), '/c/profile.json');
  assert.is(profilePath('/c', 'tfjs'), '/c/profile.json');
  assert.is(profilePath('/c', 'ort'), '/c/profile.ort.json');
});

test('auto: the geometric mean of tfjs/ort latency ratios over shared measured points decides', () => {
  const tfjs = profileJson({ 0: { 1: 40, 8: 300 }, 1: { 1: 100, 8: 800 } });
  const ort = profileJson({ 0: { 1: 10, 8: 100 }, 1: { 1: 50, 8: 200 } });
  const c = chooseFasterEngine(tfjs, ort);
  assert.is(c.engine, 'ort');
  assert.is(c.points, 4);
  assert.ok(Math.abs(c.speedup - Math.pow(4 * 3 * 2 * 4, 1 / 4)) < 1e-9, String(c.speedup));
  assert.is(chooseFasterEngine(ort, tfjs).engine, 'tfjs');
  assert.throws(() => chooseFasterEngine(tfjs, profileJson({ 7: { 1: 1 } })), /share no measured/);
});

test('stored profiles: both engines\' files of this checkpoint are compared; a missing one or another checkpoint gives none', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'superserve-engine-'));
  try {
    assert.is(await storedEngineChoice(dir, 'abc'), undefined);
    await writeProfile(dir, profileJson({ 0: { 1: 40 } }));
    const ort = { ...profileJson({ 0: { 1: 10 } }), key: { engine: 'ort', backend: 'wasm', wasm_threads: 2, workers: 1 } };
    await writeProfile(dir, ort);
    assert.is((await storedEngineChoice(dir, 'abc'))?.engine, 'ort');
    assert.is(await storedEngineChoice(dir, 'other'), undefined);
    assert.ok((await readUsableProfile(dir, ort.key, 'abc')).profile !== undefined, 'read back from profile.ort.json');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
