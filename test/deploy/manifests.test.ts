import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../../src/http/serve.ts';
import { createMetrics } from '../../src/metrics.ts';
import { manifestDir, renderKustomization, type KubeObject } from '../../scripts/kube/kustomize-lite.ts';

// Each kind the manifests use, checked against its published OpenAPI schema (kubernetes-models / the KEDA CRD).
const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap, 'v1/Secret': Secret, 'v1/Service': Service,
  'apps/v1/Deployment': Deployment, 'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

type Container = { name: string; image: string; args?: string[]; ports?: Array<{ name: string; containerPort: number }>;
  readinessProbe?: { httpGet?: { path: string; port: string } }; livenessProbe?: { httpGet?: { path: string; port: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  envFrom?: Array<{ configMapRef?: { name: string } }>; env?: Array<{ valueFrom?: { secretKeyRef?: { name: string; key: string } } }>;
  volumeMounts?: Array<{ name: string }> };
type PodSpec = { containers: Container[]; terminationGracePeriodSeconds?: number; securityContext?: { runAsNonRoot?: boolean };
  volumes?: Array<{ name: string; secret?: { secretName: string }; configMap?: { name: string } }> };
type DeploymentObject = KubeObject & { spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } } };

const base = renderKustomization(manifestDir());
const secure = renderKustomization(manifestDir(), ['components/secure']);
const find = (objs: KubeObject[], kind: string, name: string): KubeObject => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (o === undefined) throw new Error(`no ${kind} ${name} in the manifests`);
  return o;
};
const deployment = (objs: KubeObject[], name: string) => find(objs, 'Deployment', name) as DeploymentObject;

for (const [label, objs] of [['base', base], ['with components/secure', secure]] as const) {
  test(`${label}: every object passes its Kubernetes schema`, () => {
    assert.ok(objs.length >= 8, `only ${objs.length} objects`);
    for (const o of objs) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      assert.ok(Model, `${o.apiVersion} ${o.kind} has no schema check here`);
      try {
        new Model(structuredClone(o) as never).validate();
      } catch (e) {
        assert.unreachable(`${o.kind} ${o.metadata.name}: ${(e as Error).message}`);
      }
    }
  });

  test(`${label}: every reference resolves (Services, ConfigMaps, Secrets, volumes, the scale target)`, () => {
    const names = (kind: string) => new Set(objs.filter((o) => o.kind === kind).map((o) => o.metadata.name));
    const deployments = objs.filter((o) => o.kind === 'Deployment') as DeploymentObject[];
    for (const svc of objs.filter((o) => o.kind === 'Service') as Array<KubeObject & { spec: { selector: Record<string, string>; ports: Array<{ targetPort: string }> } }>) {
      const backing = deployments.filter((d) => Object.entries(svc.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      assert.is(backing.length, 1, `Service ${svc.metadata.name} selects ${backing.length} Deployments`);
      const ports = backing[0]!.spec.template.spec.containers.flatMap((c) => c.ports ?? []).map((p) => p.name);
      for (const p of svc.spec.ports) assert.ok(ports.includes(p.targetPort), `Service ${svc.metadata.name}: no container port ${p.targetPort}`);
    }
    for (const d of deployments) {
      const spec = d.spec.template.spec;
      assert.equal(d.spec.selector.matchLabels, Object.fromEntries(Object.entries(d.spec.template.metadata.labels).filter(([k]) => k in d.spec.selector.matchLabels)));
      for (const c of spec.containers) {
        for (const e of c.envFrom ?? []) if (e.configMapRef) assert.ok(names('ConfigMap').has(e.configMapRef.name), `${d.metadata.name}: ConfigMap ${e.configMapRef.name}`);
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) assert.ok(names('Secret').has(e.valueFrom.secretKeyRef.name));
        for (const m of c.volumeMounts ?? []) assert.ok(spec.volumes?.some((v) => v.name === m.name), `${d.metadata.name}: volume ${m.name}`);
      }
      for (const v of spec.volumes ?? []) {
        if (v.secret) assert.ok(names('Secret').has(v.secret.secretName));
        if (v.configMap) assert.ok(names('ConfigMap').has(v.configMap.name));
      }
    }
    const so = find(objs, 'ScaledObject', 'superserve-worker') as KubeObject & { spec: { scaleTargetRef: { name: string } } };
    assert.ok(deployments.some((d) => d.metadata.name === so.spec.scaleTargetRef.name));
  });
}

test('the router: V2 health probes on its HTTP port, a grace period that covers the drain, scraped by Prometheus', () => {
  const d = deployment(base, 'superserve-router');
  const spec = d.spec.template.spec;
  const c = spec.containers[0]!;
  assert.equal(c.args?.slice(0, 3), ['serve', '--workers', '0']);
  assert.ok(c.args?.includes('--nats'));
  assert.equal(c.readinessProbe?.httpGet, { path: '/v2/health/ready', port: 'http' });
  assert.equal(c.livenessProbe?.httpGet, { path: '/v2/health/live', port: 'http' });
  const preStopS = Number(c.lifecycle?.preStop?.exec?.command[1] ?? 0);
  assert.ok(spec.terminationGracePeriodSeconds! >= preStopS + DEFAULT_DRAIN_TIMEOUT_MS / 1000 + 5,
    `terminationGracePeriodSeconds ${spec.terminationGracePeriodSeconds} < preStop ${preStopS} s + drain ${DEFAULT_DRAIN_TIMEOUT_MS / 1000} s + NATS close 5 s`);
  const a = d.spec.template.metadata.annotations!;
  assert.is(a['prometheus.io/scrape'], 'true');
  assert.is(a['prometheus.io/path'], '/metrics');
  assert.is(Number(a['prometheus.io/port']), c.ports!.find((p) => p.name === 'http')!.containerPort);
  assert.ok(spec.securityContext?.runAsNonRoot);
});

test('the workers run `superserve worker --nats` and scale on a metric the router exports', async () => {
  const w = deployment(base, 'superserve-worker').spec.template.spec.containers[0]!;
  assert.equal(w.args?.slice(0, 2), ['worker', '--nats']);
  const so = find(base, 'ScaledObject', 'superserve-worker') as KubeObject & { spec: { triggers: Array<{ type: string; metadata: { query: string } }> } };
  const metric = /superserve_[a-z_]+/.exec(so.spec.triggers[0]!.metadata.query)?.[0];
  assert.is(metric, 'superserve_queued_images');
  assert.match(await createMetrics({ model: 'm', version: '1' }).render(), new RegExp(`^# TYPE ${metric} gauge$`, 'm'));
});

test('components/secure: TLS, tokens and the NATS token come from the Secret, never from a literal', () => {
  const r = deployment(secure, 'superserve-router').spec.template.spec.containers[0]!;
  for (const flag of ['--tls-cert=', '--tls-key=', '--auth-tokens-file=', '--nats-token-file=']) {
    assert.ok(r.args?.some((a) => a.startsWith(`${flag}/etc/superserve/auth/`)), `router lacks ${flag}`);
  }
  const w = deployment(secure, 'superserve-worker').spec.template.spec.containers[0]!;
  assert.ok(w.args?.some((a) => a.startsWith('--nats-token-file=/etc/superserve/auth/')));
  const n = deployment(secure, 'nats').spec.template.spec.containers[0]!;
  assert.not.ok(n.args?.some((a) => /TOKEN/.test(a)), 'the NATS token must not be on the command line');
  const secret = find(secure, 'Secret', 'superserve-auth') as KubeObject & { stringData: Record<string, string> };
  assert.equal(Object.keys(secret.stringData).sort(), ['nats-token', 'tls.crt', 'tls.key', 'tokens']);
  for (const v of Object.values(secret.stringData)) assert.is(v, '', 'the committed Secret carries no credentials');
});

test('the renderer refuses what it does not implement instead of ignoring it', async () => {
  const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = await mkdtemp(join(tmpdir(), 'superserve-kustomize-'));
  try {
    await writeFile(join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamePrefix: x-\n');
    assert.throws(() => renderKustomization(dir), /"namePrefix" is not supported here/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test.run();
