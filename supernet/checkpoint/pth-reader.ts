/**
 * Reads a PyTorch (torch >= 1.6, zip format) `.pth` state dict into a StateDict without torch:
 * zip directory -> `<prefix>/data.pkl` through the safe unpickler -> tensors rebuilt from
 * `<prefix>/data/<key>` storages. Floating tensors come back as float32 (float16 / bfloat16 /
 * float64 are converted), integer tensors as int64.
 * @module
 */
import type { RawTensor, StateDict } from '../types.ts';
import { CheckpointError } from './errors.ts';
import { bfloat16ToFloat32, float16ToFloat32 } from './float-convert.ts';
import { unpickle } from './pickle-vm.ts';
import { ZipArchive } from './zip-archive.ts';

export interface ReadPthOptions {
  /** Name used in error messages (e.g. the file path). */
  label?: string;
  /** Called after each tensor is rebuilt. */
  onProgress?: (done: number, total: number) => void;
}

type StorageDtype = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGE_DTYPES: Record<string, StorageDtype> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8',
  ByteStorage: 'uint8', BoolStorage: 'bool',
};
const ITEM_SIZE: Record<StorageDtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** The marker GLOBAL returns for `torch.<X>Storage`. */
class StorageType {
  constructor(readonly name: string) {}
}
interface StorageRef { key: string; dtype: StorageDtype; numel: number }
class PendingTensor {
  constructor(
    readonly storage: StorageRef, readonly offset: number,
    readonly size: number[], readonly stride: number[],
  ) {}
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parse a `.pth` file's bytes. Accepts `{'state_dict': sd, ...}` or a bare state dict; strips `module.` prefixes. */
export function readPth(bytes: Uint8Array, opts: ReadPthOptions = {}): StateDict {
  const label = opts.label ?? '.pth file';
  if (!LITTLE_ENDIAN) throw new CheckpointError('reading .pth files needs a little-endian host');
  const zip = new ZipArchive(bytes, label);
  const pklName = [...zip.entries.keys()].find((n) => n === 'data.pkl' || n.endsWith('/data.pkl'));
  if (!pklName) {
    const names = [...zip.entries.keys()].slice(0, 5).join(', ');
    throw new CheckpointError(`${label}: not a PyTorch checkpoint: the zip has no '<name>/data.pkl' entry (it has: ${names || 'no entries'})`);
  }
  const prefix = pklName.slice(0, -'data.pkl'.length);
  const byteorder = zip.entries.has(`${prefix}byteorder`) ? new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim() : 'little';
  if (byteorder !== 'little') throw new CheckpointError(`${label}: unsupported byte order '${byteorder}'`);

  const root = unpickle(zip.read(pklName), torchHooks(label), `${label}: ${pklName}`);
  const entries = stateDictEntries(root, label);

  const storages = new Map<string, Float32Array | BigInt64Array>();
  const loadStorage = (ref: StorageRef): Float32Array | BigInt64Array => {
    let data = storages.get(ref.key);
    if (!data) {
      const entryName = `${prefix}data/${ref.key}`;
      if (!zip.entries.has(entryName)) throw new CheckpointError(`${label}: storage '${entryName}' is missing from the zip`);
      const raw = zip.read(entryName);
      const needBytes = ref.numel * ITEM_SIZE[ref.dtype];
      if (raw.length < needBytes) {
        throw new CheckpointError(`${label}: corrupted storage '${entryName}': ${raw.length} bytes, expected ${needBytes} (${ref.numel} × ${ref.dtype})`);
      }
      data = convertStorage(raw.subarray(0, needBytes), ref.dtype, ref.numel);
      storages.set(ref.key, data);
    }
    return data;
  };

  const sd: StateDict = new Map();
  let done = 0;
  for (const [rawName, value] of entries) {
    if (typeof rawName !== 'string') throw new CheckpointError(`${label}: state_dict key ${String(rawName)} is not a string`);
    if (!(value instanceof PendingTensor)) throw new CheckpointError(`${label}: state_dict entry '${rawName}' is not a tensor`);
    const name = rawName.startsWith('module.') ? rawName.slice('module.'.length) : rawName;
    if (sd.has(name)) throw new CheckpointError(`${label}: duplicate state_dict key '${name}' after stripping 'module.'`);
    sd.set(name, buildTensor(value, loadStorage(value.storage), name, label));
    opts.onProgress?.(++done, entries.size);
  }
  return sd;
}

function torchHooks(label: string) {
  return {
    findClass(module: string, name: string): unknown {
      const full = `${module}.${name}`;
      if (full === 'collections.OrderedDict') {
        return (pairs?: unknown) => new Map(Array.isArray(pairs) ? (pairs as [unknown, unknown][]) : []);
      }
      if (full === 'torch._utils._rebuild_tensor_v2' || full === 'torch._utils._rebuild_tensor') {
        return (storage: unknown, offset: unknown, size: unknown, stride: unknown) =>
          rebuildTensor(storage, offset, size, stride, label);
      }
      if (full === 'torch._utils._rebuild_parameter') return (data: unknown) => data;
      if (module === 'torch' && name.endsWith('Storage')) return new StorageType(name);
      throw new CheckpointError(`${label}: unsupported pickle global '${full}' (a state_dict holds only tensors and OrderedDicts)`);
    },
    persistentLoad(pid: unknown): unknown {
      if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
        throw new CheckpointError(`${label}: unsupported persistent id ${JSON.stringify(pid)}`);
      }
      const [, type, key, , numel] = pid as [string, unknown, unknown, unknown, unknown];
      if (!(type instanceof StorageType)) throw new CheckpointError(`${label}: storage ${String(key)} has no storage type`);
      const dtype = STORAGE_DTYPES[type.name];
      if (!dtype) throw new CheckpointError(`${label}: unsupported tensor dtype: torch.${type.name} (storage ${String(key)})`);
      if (typeof key !== 'string' || !isCount(numel)) throw new CheckpointError(`${label}: malformed storage id ${String(key)}`);
      const ref: StorageRef = { key, dtype, numel };
      return ref;
    },
  };
}

function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown, label: string): PendingTensor {
  const ref = storage as StorageRef;
  if (!ref || typeof ref !== 'object' || typeof ref.key !== 'string') throw new CheckpointError(`${label}: tensor without a storage`);
  if (!isCount(offset) || !isCountList(size) || !isCountList(stride) || size.length !== stride.length) {
    throw new CheckpointError(`${label}: malformed tensor (storage ${ref.key}): offset/size/stride`);
  }
  return new PendingTensor(ref, offset, size, stride);
}

function buildTensor(t: PendingTensor, storage: Float32Array | BigInt64Array, name: string, label: string): RawTensor {
  const numel = t.size.reduce((a, b) => a * b, 1);
  let expect = 1;
  for (let i = t.size.length - 1; i >= 0; i--) {
    if (t.size[i]! !== 1 && numel > 0 && t.stride[i]! !== expect) {
      throw new CheckpointError(`${label}: tensor '${name}' is not contiguous (size ${JSON.stringify(t.size)}, stride ${JSON.stringify(t.stride)}); save tensors with .contiguous()`);
    }
    expect *= t.size[i]!;
  }
  if (t.offset + numel > storage.length) {
    throw new CheckpointError(`${label}: storage of tensor '${name}' is too short: needs ${t.offset + numel} elements, has ${storage.length}`);
  }
  const whole = t.offset === 0 && numel === storage.length;
  const data = whole ? storage : storage.slice(t.offset, t.offset + numel);
  return data instanceof BigInt64Array
    ? { shape: [...t.size], dtype: 'int64', data }
    : { shape: [...t.size], dtype: 'float32', data };
}

function convertStorage(raw: Uint8Array, dtype: StorageDtype, numel: number): Float32Array | BigInt64Array {
  const buf = new Uint8Array(raw).buffer; // aligned private copy (raw may be a Node Buffer, whose slice() is a view)
  switch (dtype) {
    case 'float32': return new Float32Array(buf, 0, numel);
    case 'float64': return Float32Array.from(new Float64Array(buf, 0, numel));
    case 'float16': return float16ToFloat32(new Uint16Array(buf, 0, numel));
    case 'bfloat16': return bfloat16ToFloat32(new Uint16Array(buf, 0, numel));
    case 'int64': return new BigInt64Array(buf, 0, numel);
    case 'int32': return BigInt64Array.from(new Int32Array(buf, 0, numel), (v) => BigInt(v));
    case 'int16': return BigInt64Array.from(new Int16Array(buf, 0, numel), (v) => BigInt(v));
    case 'int8': return BigInt64Array.from(new Int8Array(buf, 0, numel), (v) => BigInt(v));
    case 'uint8':
    case 'bool': return BigInt64Array.from(new Uint8Array(buf, 0, numel), (v) => BigInt(v));
  }
}

function stateDictEntries(root: unknown, label: string): Map<unknown, unknown> {
  if (!(root instanceof Map)) throw new CheckpointError(`${label}: top-level object is not a dict`);
  const inner = root.get('state_dict');
  if (inner instanceof Map) return inner;
  if (inner !== undefined) throw new CheckpointError(`${label}: 'state_dict' is not a dict`);
  if (root.size > 0 && [...root.values()].every((v) => v instanceof PendingTensor)) return root;
  const keys = [...root.keys()].slice(0, 8).map(String).join(', ');
  throw new CheckpointError(`${label}: no state dict found: expected {'state_dict': ...} or a dict of tensors (top-level keys: ${keys || 'none'})`);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
function isCountList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every(isCount);
}
