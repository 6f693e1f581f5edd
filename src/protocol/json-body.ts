/**
 * A request body's JSON, read the same way by every path that parses one (inline, preparation threads,
 * repository calls).
 * @module
 */
import { RequestValidationError } from './errors.ts';

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
