/**
 * Test helper: writes small torch.save-style zip files (pickle + raw storages) with chosen
 * pickle features, so the reader's paths beyond the fixtures (protocol 4, bare dicts, shared
 * storages, bad strides, odd opcodes) can be exercised without torch.
 * @module
 */
import { zipSync, type Zippable } from 'fflate';

export interface FakeTensor {
  name: string;
  storageKey: string;
  storageClass?: string; // default FloatStorage
  numel: number;          // storage length in elements
  offset?: number;
  size: number[];
  stride?: number[];      // default contiguous
}

export interface BuildOptions {
  /** Wrap as {'state_dict': sd} (default true). */
  wrap?: boolean;
  /** Protocol 4 spelling: SHORT_BINUNICODE, STACK_GLOBAL, MEMOIZE, FRAME. */
  protocol4?: boolean;
  /** Raw bytes appended before STOP (to inject opcodes). */
  inject?: number[];
  /** Custom GLOBAL instead of collections.OrderedDict for the state dict. */
  dictGlobal?: [string, string];
  /** Deflate the storages instead of storing them. */
  deflate?: boolean;
}

class PickleWriter {
  readonly out: number[] = [];
  private memo = new Map<string, number>();
  constructor(private readonly p4: boolean) {}
  op(...b: number[]): void { this.out.push(...b); }
  u32(n: number): number[] { return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255]; }
  str(s: string): void {
    const b = [...new TextEncoder().encode(s)];
    if (this.p4 && b.length < 256) this.op(0x8c, b.length, ...b);
    else this.op(0x58, ...this.u32(b.length), ...b);
  }
  int(n: number): void {
    if (n < 256) this.op(0x4b, n);
    else if (n < 65536) this.op(0x4d, n & 255, n >>> 8);
    else this.op(0x4a, ...this.u32(n));
  }
  global(mod: string, name: string): void {
    const key = `${mod}.${name}`;
    const m = this.memo.get(key);
    if (m !== undefined) { this.op(0x6a, ...this.u32(m)); return; }
    if (this.p4) { this.str(mod); this.str(name); this.op(0x93, 0x94); }
    else { this.op(0x63, ...new TextEncoder().encode(`${mod}\n${name}\n`), 0x72, ...this.u32(this.memo.size)); }
    this.memo.set(key, this.memo.size);
  }
  tuple(items: number[]): void { this.op(0x28); for (const i of items) this.int(i); this.op(0x74); }
}

/** A torch.save-like zip holding `tensors` with storages filled from `data[storageKey]`. */
export function buildTorchZip(tensors: FakeTensor[], data: Record<string, Uint8Array>, opts: BuildOptions = {}): Uint8Array {
  const w = new PickleWriter(opts.protocol4 === true);
  w.op(0x80, opts.protocol4 ? 4 : 2);
  if (opts.protocol4) w.op(0x95, 0, 0, 0, 0, 0, 0, 0, 0);
  const wrap = opts.wrap !== false;
  if (wrap) { w.op(0x7d); w.str('state_dict'); }
  const [dm, dn] = opts.dictGlobal ?? ['collections', 'OrderedDict'];
  w.global(dm, dn); w.op(0x29, 0x52);
  w.op(0x28);
  for (const t of tensors) {
    w.str(t.name);
    w.global('torch._utils', '_rebuild_tensor_v2');
    w.op(0x28);
    w.op(0x28); w.str('storage'); w.global('torch', t.storageClass ?? 'FloatStorage'); w.str(t.storageKey); w.str('cpu'); w.int(t.numel); w.op(0x74, 0x51);
    w.int(t.offset ?? 0);
    w.tuple(t.size);
    w.tuple(t.stride ?? contiguous(t.size));
    w.op(0x89);
    w.global('collections', 'OrderedDict'); w.op(0x29, 0x52);
    w.op(0x74, 0x52);
  }
  w.op(0x75);
  if (wrap) w.op(0x73);
  if (opts.inject) w.op(...opts.inject);
  w.op(0x2e);
  const files: Zippable = { 'archive/data.pkl': [new Uint8Array(w.out), { level: 0 }] };
  for (const [k, v] of Object.entries(data)) files[`archive/data/${k}`] = [v, { level: opts.deflate ? 6 : 0 }];
  files['archive/version'] = [new TextEncoder().encode('3\n'), { level: 0 }];
  return zipSync(files);
}

function contiguous(size: number[]): number[] {
  const s = new Array<number>(size.length);
  let acc = 1;
  for (let i = size.length - 1; i >= 0; i--) { s[i] = acc; acc *= size[i]!; }
  return s;
}

export function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}
