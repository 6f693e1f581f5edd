/**
 * Resolve `{m}` and optional `{v}` from a V2 URL to the served model, or 404 (protocol/models.ts).
 * @module
 */
export { requireModel } from '../protocol/models.ts';

/** Both route forms of a model path: `/v2/models/:m<suffix>` and `/v2/models/:m/versions/:v<suffix>`. */
export function modelPaths(suffix: string): string[] {
  return [`/v2/models/:m${suffix}`, `/v2/models/:m/versions/:v${suffix}`];
}
