/** The stored profile is reused only for the same checkpoint and key (backend, adapter, WASM threads, workers). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keyMismatch, profileKey, profilePath, readUsableProfile, writeProfile } from '../../src/serving/profile-store.ts';
import { profileJson } from '../profiler/profile-fixtures.ts';

const gpu = { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: 'Vulkan', isSoftware: false, route: 'vulkan' as const };

test('the key names backend, adapter, threads and workers', () => {
  assert.equal(profileKey({ backend: 'wasm', wasmThreads: 2 }, 1), { backend: 'wasm', wasm_threads: 2, workers: 1 });
  const k = profileKey({ backend: 'webgpu', adapter: gpu }, 1);
  assert.is(k.backend, 'webgpu');
  assert.match(k.adapter!, /nvidia hopper.*H200.*via vulkan/);
  assert.is(keyMismatch(k, k), undefined);
  assert.match(keyMismatch({ ...k, adapter: 'other' }, k)!, /adapter/);
  assert.match(keyMismatch({ backend: 'wasm', wasm_threads: 1, workers: 1 }, { backend: 'wasm', wasm_threads: 2, workers: 1 })!, /wasm_threads 1, not 2/);
  assert.match(keyMismatch(undefined, k)!, /predates/);
});

test('read back only under the same checkpoint and key; written atomically', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'superserve-profile-'));
  try {
    const key = { backend: 'wasm', wasm_threads: 2, workers: 1 };
    assert.match((await readUsableProfile(dir, key, 'abc')).reason, /no .*profile\.json/);
    const p = profileJson({ 0: { 1: 10, 8: 80 } });
    await writeProfile(dir, p);
    assert.equal(JSON.parse(await readFile(profilePath(dir), 'utf8')), p);
    assert.ok((await readUsableProfile(dir, key, 'abc')).profile);
    assert.match((await readUsableProfile(dir, { ...key, workers: 2 }, 'abc')).reason, /workers 1, not 2/);
    assert.match((await readUsableProfile(dir, key, 'other')).reason, /another checkpoint/);
    assert.match((await readUsableProfile(dir, { backend: 'webgpu', adapter: 'x', workers: 1 }, 'abc')).reason, /backend wasm, not webgpu/);
    await writeFile(profilePath(dir), '{ not json');
    assert.match((await readUsableProfile(dir, key, 'abc')).reason, /unreadable/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
