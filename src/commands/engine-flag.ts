/**
 * `--engine tfjs|ort|auto` (default $SUPERSERVE_ENGINE, else tfjs), shared by serve, worker, profile and run-subnet.
 * @module
 */
import { ENGINE_CHOICES, type EngineChoice } from '../worker/protocol.ts';
import { UsageError } from '../usage-error.ts';

export const ENGINE_FLAG = { engine: { type: 'string' } } as const;

export function parseEngineFlag(v: string | undefined, env: NodeJS.ProcessEnv = process.env): EngineChoice {
  const e = v ?? env.SUPERSERVE_ENGINE ?? 'tfjs';
  if (!(ENGINE_CHOICES as readonly string[]).includes(e)) throw new UsageError(`--engine must be one of ${ENGINE_CHOICES.join(', ')}, got "${e}"`);
  return e as EngineChoice;
}
