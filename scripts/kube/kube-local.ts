/**
 * `node --import tsx scripts/kube/kube-local.ts --http-port N --grpc-port N --nats-port N --monitor-port N`:
 * prints deploy/kubernetes rendered for `podman kube play` on one machine. The objects are the manifests'
 * own; what changes, and why:
 *  - superserve-config gets loopback addresses and the given free ports (pods share the host's network);
 *  - env from that ConfigMap is written into each container and $(VAR) in args expanded, as the kubelet does;
 *  - hostNetwork: true; images are the local builds (localhost/superserve:dev, localhost/superserve-nats:local),
 *    never pulled;
 *  - probes, preStop hooks, container ports and resource requests go: podman would turn an httpGet probe into
 *    a curl health check the image lacks, and ports are the processes' flags on the host network
 *    (scripts/kube-local.sh waits on /v2/health/ready itself);
 *  - what podman does not run (Service, Secret, ScaledObject, the inlined ConfigMap) is left out.
 * @module
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { manifestDir, renderKustomization, type KubeObject } from './kustomize-lite.ts';

interface Container {
  image?: string; args?: string[]; imagePullPolicy?: string;
  env?: Array<{ name: string; value?: string }>; envFrom?: Array<{ configMapRef?: { name: string } }>;
  [k: string]: unknown;
}
interface PodSpec { containers: Container[]; hostNetwork?: boolean; [k: string]: unknown }

export interface LocalOptions {
  httpPort: number; grpcPort: number; natsPort: number; monitorPort: number;
  image: string; natsImage: string; workers?: number;
}

export function renderLocal(o: LocalOptions): KubeObject[] {
  const objects = renderKustomization(manifestDir());
  const config = objects.find((x) => x.kind === 'ConfigMap' && x.metadata.name === 'superserve-config') as (KubeObject & { data: Record<string, string> }) | undefined;
  if (config === undefined) throw new Error('deploy/kubernetes has no ConfigMap superserve-config');
  Object.assign(config.data, {
    NATS_URL: `nats://127.0.0.1:${o.natsPort}`, NATS_PORT: String(o.natsPort), NATS_MONITOR_PORT: String(o.monitorPort),
    HTTP_PORT: String(o.httpPort), GRPC_PORT: String(o.grpcPort),
  });
  const configMaps = new Map(objects.filter((x) => x.kind === 'ConfigMap').map((x) => [x.metadata.name, (x as unknown as { data: Record<string, string> }).data]));
  const out: KubeObject[] = [];
  for (const d of objects.filter((x) => x.kind === 'Deployment')) {
    const spec = d.spec as { replicas?: number; template: { spec: PodSpec } };
    if (o.workers !== undefined && d.metadata.name === 'superserve-worker') spec.replicas = o.workers;
    const pod = spec.template.spec;
    pod.hostNetwork = true;
    for (const c of pod.containers) {
      const env: Record<string, string> = {};
      for (const from of c.envFrom ?? []) {
        const data = from.configMapRef ? configMaps.get(from.configMapRef.name) : undefined;
        if (data === undefined) throw new Error(`${d.metadata.name}: envFrom ${JSON.stringify(from)} is not a ConfigMap of the manifests`);
        Object.assign(env, data);
      }
      for (const e of c.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
      delete c.envFrom;
      c.env = Object.entries(env).map(([name, value]) => ({ name, value }));
      c.args = c.args?.map((a) => a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m));
      c.image = c.image?.startsWith('superserve') ? o.image : o.natsImage;
      c.imagePullPolicy = 'Never';
      for (const k of ['readinessProbe', 'livenessProbe', 'startupProbe', 'lifecycle', 'ports', 'resources']) delete c[k];
    }
    out.push(d);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: {
    'http-port': { type: 'string' }, 'grpc-port': { type: 'string' }, 'nats-port': { type: 'string' }, 'monitor-port': { type: 'string' },
    image: { type: 'string', default: 'localhost/superserve:dev' }, 'nats-image': { type: 'string', default: 'localhost/superserve-nats:local' },
    workers: { type: 'string' },
  } });
  const port = (name: string): number => {
    const v = Number(values[name as 'http-port']);
    if (!Number.isInteger(v) || v < 1 || v > 65535) { console.error(`kube-local: --${name} must be a port number`); process.exit(2); }
    return v;
  };
  const docs = renderLocal({
    httpPort: port('http-port'), grpcPort: port('grpc-port'), natsPort: port('nats-port'), monitorPort: port('monitor-port'),
    image: values.image!, natsImage: values['nats-image']!,
    ...(values.workers !== undefined ? { workers: Number(values.workers) } : {}),
  });
  process.stdout.write(docs.map((d) => stringify(d)).join('---\n'));
}
