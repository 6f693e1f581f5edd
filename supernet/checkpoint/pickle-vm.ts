/**
 * A small, safe unpickler for what `torch.save` writes (protocols 2..5). Globals are resolved only
 * through the caller's `findClass` (nothing is imported or executed), persistent ids through
 * `persistentLoad`. Any other opcode is an error naming it.
 * Python values map to: None -> null, bool, int -> number (bigint when unsafe), float -> number,
 * str -> string, bytes -> Uint8Array, tuple/list -> array, dict -> Map.
 * @module
 */
import { CheckpointError } from './errors.ts';

export interface UnpicklerHooks {
  /** Value of `module.name` (a function if it is called through REDUCE/NEWOBJ); throw to refuse it. */
  findClass(module: string, name: string): unknown;
  /** Object behind a persistent id (BINPERSID). */
  persistentLoad(pid: unknown): unknown;
}

const OPCODE_NAMES: Record<number, string> = {
  0x80: 'PROTO', 0x95: 'FRAME', 0x2e: 'STOP', 0x28: 'MARK', 0x7d: 'EMPTY_DICT', 0x5d: 'EMPTY_LIST',
  0x29: 'EMPTY_TUPLE', 0x74: 'TUPLE', 0x85: 'TUPLE1', 0x86: 'TUPLE2', 0x87: 'TUPLE3', 0x58: 'BINUNICODE',
  0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x42: 'BINBYTES', 0x43: 'SHORT_BINBYTES', 0x8e: 'BINBYTES8',
  0x71: 'BINPUT', 0x72: 'LONG_BINPUT', 0x94: 'MEMOIZE', 0x68: 'BINGET', 0x6a: 'LONG_BINGET', 0x63: 'GLOBAL',
  0x93: 'STACK_GLOBAL', 0x52: 'REDUCE', 0x62: 'BUILD', 0x81: 'NEWOBJ', 0x4a: 'BININT', 0x4b: 'BININT1',
  0x4d: 'BININT2', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x4e: 'NONE',
  0x73: 'SETITEM', 0x75: 'SETITEMS', 0x61: 'APPEND', 0x65: 'APPENDS', 0x51: 'BINPERSID', 0x47: 'BINFLOAT',
  0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP',
  // known but unsupported, for the error message
  0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE', 0x64: 'DICT', 0x6c: 'LIST', 0x67: 'GET', 0x70: 'PUT', 0x50: 'PERSID', 0x69: 'INST',
  0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS',
  0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

/** Run the pickle in `data` and return the object STOP leaves; `label` prefixes error messages. */
export function unpickle(data: Uint8Array, hooks: UnpicklerHooks, label = 'data.pkl'): unknown {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const memo = new Map<number, unknown>();
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  let pos = 0;

  const fail = (msg: string): never => { throw new CheckpointError(`${label}: ${msg}`); };
  const need = (n: number): number => {
    if (pos + n > data.length) fail(`pickle ends unexpectedly at byte ${pos} (truncated or corrupted)`);
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = (): number => data[need(1)]!;
  const u16 = (): number => view.getUint16(need(2), true);
  const u32 = (): number => view.getUint32(need(4), true);
  const u64 = (): number => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} too large`);
    return Number(v);
  };
  const bytesOf = (n: number): Uint8Array => data.subarray(need(n), pos);
  const str = (n: number): string => {
    try { return utf8.decode(bytesOf(n)); } catch { return fail(`invalid UTF-8 string at byte ${pos - n}`); }
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('pickle ends inside a GLOBAL name');
    const s = new TextDecoder().decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail(`stack underflow at byte ${pos}`);
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail(`stack underflow at byte ${pos}`);
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) fail(`MARK expected at byte ${pos}`);
    stack = prev!;
    return items;
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) fail(`memo key ${i} is not defined`);
    return memo.get(i);
  };
  const call = (fn: unknown, args: unknown, what: string): unknown => {
    if (typeof fn !== 'function') fail(`${what} of a non-callable object`);
    if (!Array.isArray(args)) fail(`${what} with non-tuple arguments`);
    return (fn as (...a: unknown[]) => unknown)(...(args as unknown[]));
  };
  const asMap = (obj: unknown, what: string): Map<unknown, unknown> => {
    if (!(obj instanceof Map)) fail(`${what} on a non-dict`);
    return obj as Map<unknown, unknown>;
  };
  const asList = (obj: unknown, what: string): unknown[] => {
    if (!Array.isArray(obj)) fail(`${what} on a non-list`);
    return obj as unknown[];
  };
  const long = (n: number): number | bigint => {
    if (n === 0) return 0;
    const b = bytesOf(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: { const p = u8(); if (p > 5) fail(`unsupported pickle protocol ${p}`); break; }
      case 0x95: u64(); break; // FRAME: a length hint only
      case 0x2e: return pop(); // STOP
      case 0x28: metastack.push(stack); stack = []; break;
      case 0x7d: stack.push(new Map()); break;
      case 0x5d: stack.push([]); break;
      case 0x29: stack.push([]); break;
      case 0x74: { const items = popMark(); stack.push(items); break; }
      case 0x85: { const a = pop(); stack.push([a]); break; }
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; }
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; }
      case 0x58: stack.push(str(u32())); break;
      case 0x8c: stack.push(str(u8())); break;
      case 0x8d: stack.push(str(u64())); break;
      case 0x42: stack.push(new Uint8Array(bytesOf(u32()))); break;
      case 0x43: stack.push(new Uint8Array(bytesOf(u8()))); break;
      case 0x8e: stack.push(new Uint8Array(bytesOf(u64()))); break;
      case 0x71: memo.set(u8(), top()); break;
      case 0x72: memo.set(u32(), top()); break;
      case 0x94: memo.set(memo.size, top()); break;
      case 0x68: stack.push(memoGet(u8())); break;
      case 0x6a: stack.push(memoGet(u32())); break;
      case 0x63: { const module = line(); const name = line(); stack.push(hooks.findClass(module, name)); break; }
      case 0x93: {
        const name = pop(); const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(hooks.findClass(module as string, name as string));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(call(fn, args, 'REDUCE')); break; }
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, args, 'NEWOBJ')); break; }
      case 0x62: pop(); top(); break; // BUILD: object state (e.g. OrderedDict._metadata) is not needed
      case 0x4a: stack.push(view.getInt32(need(4), true)); break;
      case 0x4b: stack.push(u8()); break;
      case 0x4d: stack.push(u16()); break;
      case 0x8a: stack.push(long(u8())); break;
      case 0x8b: stack.push(long(u32())); break;
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4e: stack.push(null); break;
      case 0x47: stack.push(view.getFloat64(need(8), false)); break;
      case 0x73: { const v = pop(); const k = pop(); asMap(top(), 'SETITEM').set(k, v); break; }
      case 0x75: {
        const items = popMark();
        if (items.length % 2) fail('SETITEMS with an odd number of items');
        const d = asMap(top(), 'SETITEMS');
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        break;
      }
      case 0x61: { const v = pop(); asList(top(), 'APPEND').push(v); break; }
      case 0x65: { const items = popMark(); asList(top(), 'APPENDS').push(...items); break; }
      case 0x51: stack.push(hooks.persistentLoad(pop())); break;
      case 0x30: pop(); break;
      case 0x31: popMark(); break;
      case 0x32: stack.push(top()); break;
      default: {
        const name = OPCODE_NAMES[op];
        fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, '0')}${name ? ` (${name})` : ''} at byte ${at}`);
      }
    }
  }
}
