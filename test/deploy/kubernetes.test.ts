/**
 * The Kubernetes manifests (deploy/kubernetes) against the Kubernetes API schemas (kubernetes-models), and against
 * the service itself: probes on routes it serves, environment variables it reads, names that refer to each other.
 * No cluster runs here, so `kubectl apply -k` was not tried; the GPU overlay's patch is merged by the rule kustomize
 * uses for these fields (objects merged, lists of named items merged by name) and the result validated too.
 */
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { openApiDocument } from '../helpers/openapi.js';

const ROOT = join(import.meta.dirname, '../../deploy/kubernetes');
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment, 'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler, 'v1/Service': Service, 'v1/Secret': Secret, 'v1/PersistentVolumeClaim': PersistentVolumeClaim,
};

type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function readYaml(path: string): Manifest[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0]!.message}`);
    return doc.toJS() as Manifest;
  });
}

/** The objects a kustomization lists, each file's documents in order (folders are kustomizations themselves). */
function resources(dir: string): Manifest[] {
  const kustomization = readYaml(join(dir, 'kustomization.yaml'))[0]!;
  return (kustomization.resources as string[]).flatMap((r) => (r.endsWith('.yaml') ? readYaml(join(dir, r)) : resources(join(dir, r))));
}

/** Kustomize's strategic merge for these manifests: objects merge, lists of named items merge by name. */
function merge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch) && patch.every((p) => p?.name !== undefined)) {
    const out = base.map((item) => merge(item, patch.find((p) => p.name === item.name) ?? {}));
    return [...out, ...patch.filter((p) => !base.some((b) => b.name === p.name))];
  }
  if (base && patch && typeof base === 'object' && typeof patch === 'object' && !Array.isArray(patch)) {
    const out: Record<string, unknown> = { ...(base as object) };
    for (const [k, v] of Object.entries(patch)) out[k] = k in out ? merge(out[k], v) : v;
    return out;
  }
  return patch;
}

function validate(t: Test, manifest: Manifest): void {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  t.ok(Model, `${manifest.kind} ${manifest.metadata?.name} is a kind the test knows`);
  t.doesNotThrow(() => new Model!(manifest as never).validate(), `${manifest.kind} ${manifest.metadata?.name} is valid`);
}

const byKind = (all: Manifest[], kind: string) => all.filter((m) => m.kind === kind);

t.test('every manifest is a valid Kubernetes object', async (t) => {
  const all = resources(ROOT);
  t.same(all.map((m) => m.kind).sort(), ['Deployment', 'HorizontalPodAutoscaler', 'PersistentVolumeClaim', 'Secret', 'Service']);
  for (const manifest of all) validate(t, manifest);
  t.throws(() => new Deployment({ ...byKind(all, 'Deployment')[0], spec: { replicas: 'two' } } as never).validate(),
    'the schemas do reject a broken object');
});

t.test('the manifests fit the service and each other', async (t) => {
  const all = resources(ROOT);
  const deployment = byKind(all, 'Deployment')[0]!;
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  const paths = Object.keys((await openApiDocument()).paths as object);
  for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    t.ok(paths.includes(container[probe].httpGet.path), `${probe} asks ${container[probe].httpGet.path}, a route of the service`);
  }
  t.equal(container.livenessProbe.httpGet.path, '/healthz', 'liveness does not depend on the index or the models');
  const config = readFileSync(join(import.meta.dirname, '../../src/config.ts'), 'utf8');
  for (const { name } of container.env) t.match(config, `'${name}'`, `the service reads ${name}`);
  t.ok(container.ports.some((p: Manifest) => p.containerPort === 8080), 'the port the image listens on');
  const service = byKind(all, 'Service')[0]!;
  t.match(deployment.spec.template.metadata.labels, service.spec.selector, 'the Service selects the pods');
  t.ok(container.ports.some((p: Manifest) => p.name === service.spec.ports[0].targetPort), 'its target port is named on the container');
  const claim = pod.volumes.find((v: Manifest) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
  t.equal(byKind(all, 'PersistentVolumeClaim')[0]!.metadata.name, claim, 'the index store is the claimed volume');
  t.equal(container.volumeMounts.find((m: Manifest) => m.name === 'index').mountPath,
    container.env.find((e: Manifest) => e.name === 'RAG_INDEX_DIR').value, 'mounted where RAG_INDEX_DIR points');
  t.equal(byKind(all, 'Secret')[0]!.metadata.name, container.envFrom[0].secretRef.name, 'the admin token comes from the Secret');
  t.equal(byKind(all, 'Secret')[0]!.stringData.RAG_ADMIN_TOKEN, '', 'no token is shipped: admin routes stay closed until one is set');
  t.ok(deployment.spec.replicas > 1, 'several replicas share the store');
  t.same(byKind(all, 'PersistentVolumeClaim')[0]!.spec.accessModes, ['ReadWriteMany'], 'every replica mounts the store');
  t.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0, 'a rollout keeps every replica serving until its successor is ready');
  t.same(container.env.find((e: Manifest) => e.name === 'RAG_REPLICA_ID').valueFrom, { fieldRef: { fieldPath: 'metadata.name' } },
    'each replica is named after its pod');
  const hpa = byKind(all, 'HorizontalPodAutoscaler')[0]!;
  t.match(hpa.spec.scaleTargetRef, { apiVersion: deployment.apiVersion, kind: 'Deployment', name: deployment.metadata.name },
    'the autoscaler scales the Deployment');
  t.equal(hpa.spec.metrics[0].resource.name, 'cpu');
  t.ok(hpa.spec.minReplicas > 1 && hpa.spec.maxReplicas >= hpa.spec.minReplicas);
  t.ok(container.resources.requests.cpu, 'CPU utilization needs a CPU request');
  t.ok(pod.terminationGracePeriodSeconds * 1000 > 30_000, 'Kubernetes waits longer than the service drains');
});

t.test('the GPU overlay patches the Deployment into a valid one on one GPU', async (t) => {
  const dir = join(ROOT, 'gpu');
  const kustomization = readYaml(join(dir, 'kustomization.yaml'))[0]!;
  t.same(kustomization.resources, ['../']);
  const base = byKind(resources(dirname(dir)), 'Deployment')[0]!;
  const patched = kustomization.patches.reduce((m: Manifest, p: { path: string }) => merge(m, readYaml(join(dir, p.path))[0]), base) as Manifest;
  validate(t, patched);
  const container = patched.spec.template.spec.containers[0];
  t.equal(container.image, 'rag-service:cuda');
  t.same(container.env.find((e: Manifest) => e.name === 'RAG_DEVICE'), { name: 'RAG_DEVICE', value: 'cuda' });
  t.equal(container.resources.limits['nvidia.com/gpu'], 1);
  t.ok(container.readinessProbe && container.volumeMounts.length === 2, 'the rest of the base is kept');
});
