/**
 * Renders deploy/kubernetes the way `kubectl kustomize` does, for the subset of Kustomize those manifests use
 * (resources, labels, images, components with JSON 6902 patches), so tests and scripts/kube-local.sh can work
 * on the objects without a kustomize binary (none is packaged for these machines). Anything else in a
 * kustomization is refused, never ignored: then use the real kustomize.
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { parseAllDocuments } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

const KNOWN = new Set(['apiVersion', 'kind', 'resources', 'labels', 'images', 'patches', 'components']);

export function readYamlDocs(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0]!.message}`);
    return d.toJS() as unknown;
  }).filter((d) => d !== null);
}

function readKustomization(dir: string, kind: 'Kustomization' | 'Component'): Record<string, unknown> {
  const file = join(dir, 'kustomization.yaml');
  const [k] = readYamlDocs(file) as Array<Record<string, unknown>>;
  if (k?.kind !== kind) throw new Error(`${file}: expected kind ${kind}, got ${String(k?.kind)}`);
  for (const key of Object.keys(k)) if (!KNOWN.has(key)) throw new Error(`${file}: "${key}" is not supported here (use kustomize)`);
  return k;
}

function asObject(doc: unknown, where: string): KubeObject {
  const o = doc as KubeObject;
  if (typeof o?.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
    throw new Error(`${where}: not a Kubernetes object (apiVersion, kind and metadata.name are required)`);
  }
  return o;
}

function resourcesOf(dir: string, k: Record<string, unknown>): KubeObject[] {
  return ((k.resources ?? []) as string[]).flatMap((r) => readYamlDocs(join(dir, r)).map((d) => asObject(d, join(dir, r))));
}

function applyPatches(dir: string, k: Record<string, unknown>, objects: KubeObject[]): void {
  for (const p of (k.patches ?? []) as Array<{ target?: { kind?: string; name?: string }; path?: string }>) {
    if (p.path === undefined || p.target === undefined) throw new Error(`${dir}: only patches with a target and a path are supported`);
    const ops = readYamlDocs(join(dir, p.path))[0] as Operation[];
    const hits = objects.filter((o) => (p.target!.kind === undefined || o.kind === p.target!.kind) && (p.target!.name === undefined || o.metadata.name === p.target!.name));
    if (hits.length === 0) throw new Error(`${join(dir, p.path)}: its target ${JSON.stringify(p.target)} matches no resource`);
    for (const o of hits) jsonPatch.applyPatch(o, ops, true, true);
  }
}

function containersOf(o: KubeObject): Array<{ image?: string }> {
  const spec = (o.spec as { template?: { spec?: { containers?: Array<{ image?: string }>; initContainers?: Array<{ image?: string }> } } } | undefined)?.template?.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
}

/** The objects `kubectl kustomize DIR` would print, with `components` added to the kustomization's own. */
export function renderKustomization(dir: string, extraComponents: string[] = []): KubeObject[] {
  const k = readKustomization(dir, 'Kustomization');
  const objects = resourcesOf(dir, k);
  applyPatches(dir, k, objects);
  for (const c of [...((k.components ?? []) as string[]), ...extraComponents]) {
    const cdir = join(dir, c);
    const ck = readKustomization(cdir, 'Component');
    objects.push(...resourcesOf(cdir, ck));
    applyPatches(cdir, ck, objects);
  }
  for (const l of (k.labels ?? []) as Array<{ pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }>) {
    if (l.includeSelectors || l.includeTemplates) throw new Error(`${dir}: labels with includeSelectors/includeTemplates are not supported here`);
    for (const o of objects) o.metadata.labels = { ...o.metadata.labels, ...l.pairs };
  }
  for (const img of (k.images ?? []) as Array<{ name: string; newName?: string; newTag?: string }>) {
    for (const c of objects.flatMap(containersOf)) {
      if (c.image === undefined || c.image.replace(/[:@].*$/, '') !== img.name) continue;
      const tag = img.newTag ?? (c.image.includes(':') ? c.image.slice(c.image.indexOf(':') + 1) : undefined);
      c.image = `${img.newName ?? img.name}${tag === undefined ? '' : `:${tag}`}`;
    }
  }
  return objects;
}

export function manifestDir(): string {
  return join(dirname(new URL(import.meta.url).pathname), '../../deploy/kubernetes');
}
