/**
 * Architecture registry: one place that maps an ArchName to its supernet builder, static-subnet loader,
 * state-dict spec and shipped Pareto set.
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMbV3Supernet, staticSubnetFromArtifacts as mbv3Static } from './mobilenetv3/index.ts';
import { createResNet50Supernet, staticSubnetFromArtifacts as r50Static } from './resnet50/index.ts';
import type { ArchName, MaterializedSubnet, StateDict, StaticArtifacts, SubnetNormTable, Supernet } from './types.ts';

export function createSupernet(arch: ArchName, sd: StateDict, norm: SubnetNormTable): Supernet {
  switch (arch) {
    case 'ofa-resnet50': return createResNet50Supernet(sd, norm);
    case 'ofa-mbv3-w1.0': return createMbV3Supernet(1.0, sd, norm);
    case 'ofa-mbv3-w1.2': return createMbV3Supernet(1.2, sd, norm);
  }
}

export function staticSubnetFromArtifacts(a: StaticArtifacts): MaterializedSubnet {
  return a.arch === 'ofa-resnet50' ? r50Static(a) : mbv3Static(a);
}

export interface ParetoSubnet {
  id: number;
  accuracy: number;
  config: Record<string, unknown> & { image_size: number };
  name?: string;
}

const PARETO_FILES: Record<ArchName, string> = {
  'ofa-resnet50': 'ofa-resnet50.json',
  'ofa-mbv3-w1.0': 'ofa-mbv3-w1.0.json',
  'ofa-mbv3-w1.2': 'ofa-mbv3-w1.2.json',
};

/** The shipped Pareto set of an architecture, smallest to largest, ids 0..n-1. */
export function paretoSet(arch: ArchName): ParetoSubnet[] {
  const url = new URL(`../data/pareto/${PARETO_FILES[arch]}`, import.meta.url);
  const json = JSON.parse(readFileSync(fileURLToPath(url), 'utf8')) as {
    cases?: Array<{ accuracy: number; config: ParetoSubnet['config'] }>;
    subnets?: Array<{ accuracy: number; config: ParetoSubnet['config']; name?: string }>;
  };
  const list = json.cases ?? json.subnets;
  if (!Array.isArray(list)) throw new Error(`Pareto file for ${arch} has neither cases nor subnets`);
  return list.map((s, id): ParetoSubnet => {
    const name = (s as { name?: unknown }).name;
    return { id, accuracy: s.accuracy, config: s.config, ...(typeof name === 'string' ? { name } : {}) };
  });
}
