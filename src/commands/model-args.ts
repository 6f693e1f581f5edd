/**
 * Flags shared by the model commands: which checkpoint, which architecture, which backend, which sub-network.
 * @module
 */
import { readFile } from 'node:fs/promises';
import { paretoSet } from '../../supernet/archs.ts';
import { parseArch, type SubnetConfig } from '../../supernet/types.ts';
import { describeBackend, selectBackend } from '../../supernet/backend.ts';
import { loadModel, type LoadedModel } from '../../supernet/load.ts';
import { intFlag, UsageError } from './args.ts';

export const MODEL_FLAGS = {
  checkpoint: { type: 'string' },
  arch: { type: 'string' },
  backend: { type: 'string' },
  'wasm-threads': { type: 'string' },
} as const;

export async function openModel(values: { checkpoint?: string; arch?: string; backend?: string; 'wasm-threads'?: string }, log = true): Promise<LoadedModel> {
  if (values.checkpoint === undefined) throw new UsageError('--checkpoint <dir or .pth> is required');
  const arch = values.arch === undefined ? undefined : parseArch(values.arch);
  const threads = intFlag(values['wasm-threads'], 'wasm-threads', 1, 64);
  const backend = await selectBackend(values.backend ?? process.env.SUPERSERVE_BACKEND ?? 'auto', threads === undefined ? {} : { wasmThreads: threads });
  if (log) console.error(`backend: ${describeBackend(backend)}`);
  return loadModel(values.checkpoint, arch);
}

/** `--subnet config.json` (the fixtures' form) or `--pareto <id>` from the shipped Pareto set. */
export async function readSubnetFlag(model: LoadedModel, subnet: string | undefined, pareto: string | undefined): Promise<SubnetConfig> {
  if (subnet !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(subnet, 'utf8'));
    } catch (e) {
      throw new UsageError(`cannot read sub-network config ${subnet}: ${(e as Error).message}`);
    }
    return model.supernet.validate(json);
  }
  if (pareto !== undefined) {
    const set = paretoSet(model.arch);
    const entry = set[Number(pareto)];
    if (entry === undefined || !/^\d+$/.test(pareto)) throw new UsageError(`--pareto must be an id in 0..${set.length - 1}, got "${pareto}"`);
    return model.supernet.validate(entry.config);
  }
  throw new UsageError('give --subnet <config.json> or --pareto <id>');
}
