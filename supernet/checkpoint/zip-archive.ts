/**
 * Minimal ZIP reader for PyTorch checkpoints: central directory -> entries, stored data as
 * zero-copy views, deflated data through fflate, every entry CRC-checked on read.
 * Bounds are checked everywhere, so a truncated file fails with a clear error instead of short data.
 * @module
 */
import { inflateSync } from 'fflate';
import { crc32 } from './crc32.ts';
import { CheckpointError } from './errors.ts';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;

/** An opened archive; `read(name)` returns the entry's verified bytes. */
export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array, private readonly label = 'file') {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.parseDirectory();
  }

  /** Bytes of an entry (a view for stored entries), after size and CRC-32 checks. */
  read(name: string): Uint8Array {
    const e = this.entries.get(name);
    if (!e) throw new CheckpointError(`${this.label}: zip entry '${name}' is missing`);
    const lh = e.localHeaderOffset;
    this.need(lh + 30, `local header of '${name}'`);
    if (this.view.getUint32(lh, true) !== SIG_LOCAL) {
      throw new CheckpointError(`${this.label}: corrupted zip: bad local header signature for '${name}'`);
    }
    const start = lh + 30 + this.view.getUint16(lh + 26, true) + this.view.getUint16(lh + 28, true);
    this.need(start + e.compressedSize, `data of '${name}'`);
    const raw = this.bytes.subarray(start, start + e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) {
      if (e.compressedSize !== e.size) {
        throw new CheckpointError(`${this.label}: corrupted zip entry '${name}': stored size ${e.compressedSize} != ${e.size}`);
      }
      data = raw;
    } else if (e.method === 8) {
      try {
        data = inflateSync(raw, { out: new Uint8Array(e.size) });
      } catch (err) {
        throw new CheckpointError(`${this.label}: corrupted zip entry '${name}': cannot inflate (${(err as Error).message})`, { cause: err });
      }
      if (data.length !== e.size) {
        throw new CheckpointError(`${this.label}: corrupted zip entry '${name}': inflated ${data.length} bytes, expected ${e.size}`);
      }
    } else {
      throw new CheckpointError(`${this.label}: zip entry '${name}' uses unsupported compression method ${e.method}`);
    }
    const actual = crc32(data);
    if (actual !== e.crc) {
      throw new CheckpointError(
        `${this.label}: corrupted zip entry '${name}': CRC-32 ${hex(actual)} != ${hex(e.crc)} recorded in the archive`,
      );
    }
    return data;
  }

  private need(end: number, what: string): void {
    if (end > this.bytes.length) {
      throw new CheckpointError(`${this.label}: truncated file: ${what} ends at byte ${end} but the file has ${this.bytes.length}`);
    }
  }

  private parseDirectory(): void {
    const { bytes, view } = this;
    const eocd = findEocd(bytes, view);
    if (eocd < 0) {
      const looksZip = bytes.length >= 4 && view.getUint32(0, true) === SIG_LOCAL;
      if (looksZip) throw new CheckpointError(`${this.label}: truncated file: zip data without an end-of-central-directory record`);
      if (bytes[0] === 0x80 && bytes.length > 2 && bytes[1]! <= 5) {
        throw new CheckpointError(
          `${this.label}: legacy (torch < 1.6, non-zip) serialization is not supported: re-save it with torch >= 1.6 (torch.save(obj, f))`,
        );
      }
      throw new CheckpointError(`${this.label}: not a PyTorch checkpoint: not a zip archive`);
    }
    let count = view.getUint16(eocd + 10, true);
    let cdSize = view.getUint32(eocd + 12, true);
    let cdOffset = view.getUint32(eocd + 16, true);
    if (eocd >= 20 && view.getUint32(eocd - 20, true) === SIG_EOCD64_LOCATOR) {
      const z = Number(view.getBigUint64(eocd - 12, true));
      if (z + 56 <= bytes.length && view.getUint32(z, true) === SIG_EOCD64) {
        count = Number(view.getBigUint64(z + 32, true));
        cdSize = Number(view.getBigUint64(z + 40, true));
        cdOffset = Number(view.getBigUint64(z + 48, true));
      }
    }
    this.need(cdOffset + cdSize, 'central directory');
    let p = cdOffset;
    for (let i = 0; i < count; i++) {
      this.need(p + 46, 'central directory');
      if (view.getUint32(p, true) !== SIG_CENTRAL) {
        throw new CheckpointError(`${this.label}: corrupted zip: bad central directory record #${i}`);
      }
      const flags = view.getUint16(p + 8, true);
      const nameLen = view.getUint16(p + 28, true);
      const extraLen = view.getUint16(p + 30, true);
      const commentLen = view.getUint16(p + 32, true);
      this.need(p + 46 + nameLen + extraLen, 'central directory');
      const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
      if (flags & 1) throw new CheckpointError(`${this.label}: zip entry '${name}' is encrypted`);
      const entry: ZipEntry = {
        name,
        method: view.getUint16(p + 10, true),
        crc: view.getUint32(p + 16, true),
        compressedSize: view.getUint32(p + 20, true),
        size: view.getUint32(p + 24, true),
        localHeaderOffset: view.getUint32(p + 42, true),
      };
      applyZip64Extra(view, p + 46 + nameLen, extraLen, entry);
      this.entries.set(name, entry);
      p += 46 + nameLen + extraLen + commentLen;
    }
  }
}

function findEocd(bytes: Uint8Array, view: DataView): number {
  const lowest = Math.max(0, bytes.length - 22 - 0xffff);
  for (let e = bytes.length - 22; e >= lowest; e--) {
    if (view.getUint32(e, true) === SIG_EOCD && e + 22 + view.getUint16(e + 20, true) === bytes.length) return e;
  }
  return -1;
}

/** ZIP64 extended information (header id 1): 8-byte fields for each 32-bit field that is 0xFFFFFFFF, in this order. */
function applyZip64Extra(view: DataView, start: number, len: number, e: ZipEntry): void {
  if (e.size !== U32_MAX && e.compressedSize !== U32_MAX && e.localHeaderOffset !== U32_MAX) return;
  for (let p = start; p + 4 <= start + len; p += 4 + view.getUint16(p + 2, true)) {
    if (view.getUint16(p, true) !== 1) continue;
    let q = p + 4;
    const next = (): number => { const v = Number(view.getBigUint64(q, true)); q += 8; return v; };
    if (e.size === U32_MAX) e.size = next();
    if (e.compressedSize === U32_MAX) e.compressedSize = next();
    if (e.localHeaderOffset === U32_MAX) e.localHeaderOffset = next();
    return;
  }
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
