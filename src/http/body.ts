/**
 * Read a request body as JSON under a byte limit: refused from Content-Length when it is declared,
 * otherwise while streaming, so an oversized body is never held in memory.
 * @module
 */
import { BodyTooLargeError, RequestValidationError } from '../protocol/errors.ts';

/** Body bytes, or BodyTooLargeError once more than `limitBytes` arrive. */
export async function readBodyLimited(req: Request, limitBytes: number): Promise<Uint8Array> {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > limitBytes) throw new BodyTooLargeError(limitBytes);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(limitBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) { out.set(c, offset); offset += c.byteLength; }
  return out;
}

/** Parse JSON, turning syntax errors into a 400 that says where. */
export function parseJson(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw new RequestValidationError('request body is empty (expected a JSON object)');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RequestValidationError('request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new RequestValidationError(`malformed JSON: ${(err as Error).message}`);
  }
}
