/**
 * Write an exported ONNX model to a file atomically (a reader never sees half a model).
 * @module
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomically } from '../checkpoint/atomic-fs.ts';

export async function writeOnnxFile(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomically(path, [bytes]);
}
