/** The bounded LRU of materialised sub-networks: budget, eviction order, disposal. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SubnetCache } from '../../supernet/subnet-cache.ts';
import type { MaterializedSubnet } from '../../supernet/types.ts';

const disposed: string[] = [];
const fake = (key: string, bytes: number): MaterializedSubnet => ({
  key, bytes, forward: () => { throw new Error('not used'); }, artifacts: () => { throw new Error('not used'); },
  dispose: () => { disposed.push(key); },
});

test('evicts least recently used entries to stay within the byte budget, disposing them', () => {
  disposed.length = 0;
  const c = new SubnetCache(100);
  assert.ok(c.put(fake('a', 40)));
  assert.ok(c.put(fake('b', 40)));
  assert.ok(c.get('a') !== undefined); // a is now most recent
  assert.ok(c.put(fake('c', 40)));     // evicts b
  assert.equal(c.keys(), ['a', 'c']);
  assert.equal(disposed, ['b']);
  assert.is(c.bytes, 80);
  assert.is(c.get('b'), undefined);
  assert.is(c.hits, 1);
  assert.is(c.misses, 1);
});

test('refuses an entry larger than the whole budget (the caller keeps and disposes it); clear disposes all', () => {
  disposed.length = 0;
  const c = new SubnetCache(50);
  assert.not.ok(c.put(fake('big', 51)));
  assert.is(c.size, 0);
  assert.equal(disposed, []);
  c.put(fake('x', 10));
  c.put(fake('x', 20)); // replacing a key disposes the old one
  assert.equal(disposed, ['x']);
  assert.is(c.bytes, 20);
  c.clear();
  assert.is(c.size, 0);
  assert.is(c.bytes, 0);
  assert.equal(disposed, ['x', 'x']);
});

test('a zero budget caches nothing', () => {
  const c = new SubnetCache(0);
  assert.not.ok(c.put(fake('a', 1)));
});

test.run();
