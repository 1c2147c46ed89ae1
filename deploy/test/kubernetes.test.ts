import path from "node:path";
import { ConfigError, configSchema, loadConfig } from "@repo/config";
import { beforeAll, describe, expect, it } from "vitest";
import { PROBES } from "../../apps/api/src/paths.ts";
import {
  dockerfileRuntime,
  HAS_KUBECTL,
  type K8sObject,
  KUBERNETES,
  OVERLAYS,
  type Overlay,
  readRepoFile,
  readYaml,
  render,
} from "./render.ts";

if (!HAS_KUBECTL) {
  console.warn(
    "SKIPPED deploy/kubernetes tests: kubectl is not installed (it renders the manifests: kubectl kustomize)",
  );
}

const CONFIG_KEYS = new Set(Object.keys(configSchema.shape));
const IMAGE = "express-starter-api";
const compose = readYaml("compose.yaml");
const dockerfile = dockerfileRuntime();

// biome-ignore lint/suspicious/noExplicitAny: pod specs as rendered
type PodSpec = any;
// biome-ignore lint/suspicious/noExplicitAny: containers as rendered
type Container = any;

/** The repository's last path segment: registry.example.com:5000/team/express-starter-api:1.0@sha256:… → express-starter-api */
function imageName(image: string): string {
  const reference = image.split("@")[0] ?? "";
  const slash = reference.lastIndexOf("/");
  const colon = reference.indexOf(":", slash + 1);
  return reference.slice(slash + 1, colon === -1 ? undefined : colon);
}
const find = (objects: K8sObject[], kind: string, name?: string) => {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length === 0) throw new Error(`no ${kind}${name ? ` ${name}` : ""} rendered`);
  return found;
};
const one = (objects: K8sObject[], kind: string, name?: string) => find(objects, kind, name)[0] as K8sObject;

/** Every pod template with a container running the API image, with that container. */
function appPods(objects: K8sObject[]): { owner: K8sObject; pod: PodSpec; container: Container }[] {
  return objects.flatMap((owner) => {
    const pod = owner.spec?.template?.spec;
    const containers: Container[] = [...(pod?.containers ?? []), ...(pod?.initContainers ?? [])];
    return containers.filter((c) => imageName(c.image) === IMAGE).map((container) => ({ owner, pod, container }));
  });
}

/** The environment a container gets: ConfigMap envFrom, then env (values or Secret keys), as the kubelet builds it. */
function containerEnv(objects: K8sObject[], container: Container, secrets: Record<string, Record<string, string>>) {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, one(objects, "ConfigMap", from.configMapRef.name).data);
    if (from.secretRef) Object.assign(env, secrets[from.secretRef.name]);
  }
  for (const variable of container.env ?? []) {
    const ref = variable.valueFrom?.secretKeyRef;
    const value = ref ? secrets[ref.name]?.[ref.key] : variable.value;
    if (value === undefined) throw new Error(`${variable.name}: secret ${ref?.name}/${ref?.key} not found`);
    env[variable.name] = value;
  }
  return env;
}

/** The example Secret (base/secret.example.yaml): what the production overlay expects to be made outside git. */
const exampleSecrets = () => {
  const secret = readYaml("deploy/kubernetes/base/secret.example.yaml") as K8sObject;
  return { [secret.metadata.name]: secret.stringData ?? {} };
};
const renderedSecrets = (objects: K8sObject[]) =>
  Object.fromEntries(
    objects
      .filter((o) => o.kind === "Secret")
      .map((o) => [
        o.metadata.name,
        {
          ...o.stringData,
          ...Object.fromEntries(Object.entries(o.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()])),
        },
      ]),
  );

/** kubernetes-models' validator for an apiVersion/kind (its schemas are Kubernetes' OpenAPI definitions). */
async function validator(apiVersion: string, kind: string): Promise<(object: K8sObject) => void> {
  const group = apiVersion.includes("/") ? apiVersion : `v1`;
  const module = (await import(`kubernetes-models/${group}`)) as Record<
    string,
    new (
      data: object,
    ) => { validate(): void }
  >;
  const Model = module[kind];
  if (!Model) throw new Error(`kubernetes-models has no ${apiVersion} ${kind}`);
  return (object) => new Model(object).validate();
}

describe.skipIf(!HAS_KUBECTL)("Kubernetes manifests (kubectl kustomize)", () => {
  const rendered = {} as Record<Overlay | "base", K8sObject[]>;
  beforeAll(() => {
    for (const dir of ["base", ...OVERLAYS.map((o) => `overlays/${o}`)]) {
      rendered[path.basename(dir) as Overlay | "base"] = render(path.join(KUBERNETES, dir));
    }
  });

  describe.each(["base", ...OVERLAYS] as const)("%s", (name) => {
    it("renders, and every object validates against the Kubernetes API schema", async () => {
      const objects = rendered[name];
      expect(objects.length).toBeGreaterThan(5);
      const problems: string[] = [];
      for (const object of objects) {
        try {
          (await validator(object.apiVersion, object.kind))(object);
        } catch (error) {
          problems.push(`${object.kind}/${object.metadata.name}: ${(error as Error).message}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it("gives the API only variables @repo/config knows", () => {
      const pods = appPods(rendered[name]);
      expect(pods.map(({ owner }) => owner.kind).sort()).toEqual(["Deployment", "Job"]);
      for (const { container } of pods) {
        const names = [
          ...(container.env ?? []).map((v: { name: string }) => v.name),
          ...(container.envFrom ?? []).flatMap((from: { configMapRef?: { name: string } }) =>
            from.configMapRef ? Object.keys(one(rendered[name], "ConfigMap", from.configMapRef.name).data ?? {}) : [],
          ),
        ];
        expect(names.filter((n) => !CONFIG_KEYS.has(n))).toEqual([]);
        expect(container.envFrom.some((from: object) => "secretRef" in from)).toBe(false); // keys named one by one
      }
      for (const secret of rendered[name].filter((o) => o.kind === "Secret" && o.metadata.name === "api-secrets")) {
        expect(Object.keys(secret.stringData ?? secret.data ?? {}).filter((k) => !CONFIG_KEYS.has(k))).toEqual([]);
      }
    });

    it("runs the API as the image's non-root user, read-only, without capabilities or a token", () => {
      for (const { owner, pod, container } of appPods(rendered[name])) {
        const where = `${owner.kind}/${owner.metadata.name}`;
        expect(pod.securityContext, where).toMatchObject({
          runAsNonRoot: true,
          runAsUser: dockerfile.uid,
          runAsGroup: dockerfile.gid,
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(pod.automountServiceAccountToken, where).toBe(false);
        expect(pod.enableServiceLinks, where).toBe(false);
        expect(container.securityContext, where).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ["ALL"] },
        });
        // the only writable path is a bounded scratch /tmp
        const tmp = container.volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/tmp");
        expect(
          pod.volumes.find((v: { name: string }) => v.name === tmp?.name)?.emptyDir?.sizeLimit,
          where,
        ).toBeTruthy();
        expect(container.resources.requests.memory, where).toBeTruthy();
        expect(container.resources.limits.memory, where).toBeTruthy();
      }
      const account = one(rendered[name], "ServiceAccount", "api") as K8sObject & {
        automountServiceAccountToken?: boolean;
      };
      expect(account.automountServiceAccountToken).toBe(false);
    });
  });

  describe.each(OVERLAYS)("overlay %s", (overlay) => {
    const objects = () => rendered[overlay];
    const deployment = () => one(objects(), "Deployment", "api");
    const api = () => deployment().spec.template.spec.containers.find((c: Container) => c.name === "api");
    const config = () => one(objects(), "ConfigMap").data ?? {};

    it("passes loadConfig({ profile: production }) with the Secret's example values, for the server and the Job", () => {
      const secrets = overlay === "production" ? exampleSecrets() : renderedSecrets(objects());
      for (const { owner, container } of appPods(objects())) {
        const env = containerEnv(objects(), container, secrets);
        try {
          const loaded = loadConfig({ profile: "production", env, envDir: false });
          expect(loaded.WEB_CONCURRENCY, `${owner.kind}: one process per pod`).toBe(1);
          expect(loaded.DATABASE_URL, owner.kind).toMatch(/^postgres/);
          if (owner.kind === "Deployment") expect(loaded.REDIS_URL).toMatch(/^redis/);
        } catch (error) {
          if (error instanceof ConfigError) throw new Error(`${owner.kind}: ${error.message}`);
          throw error;
        }
      }
    });

    it("production expects the real Secret from outside git; development ships the example", () => {
      const secrets = objects().filter((o) => o.kind === "Secret" && o.metadata.name === "api-secrets");
      expect(secrets).toHaveLength(overlay === "production" ? 0 : 1);
    });

    it("probes the app's own probe paths on the port of the Dockerfile and compose.yaml", () => {
      const http = api().ports.find((p: { name: string }) => p.name === "http");
      expect(http.containerPort).toBe(Number(config().PORT));
      expect(http.containerPort).toBe(dockerfile.expose);
      expect(http.containerPort).toBe(dockerfile.port);
      expect(String(http.containerPort)).toBe(compose["x-api-environment"].PORT);
      expect(api().readinessProbe.httpGet).toEqual({ path: PROBES.readiness, port: "http" });
      expect(api().livenessProbe.httpGet).toEqual({ path: PROBES.liveness, port: "http" });
      expect(api().startupProbe.httpGet).toEqual({ path: PROBES.liveness, port: "http" });
      // the readiness probe outlasts the app's own bound on each check, so the app answers 503 first
      expect(api().readinessProbe.timeoutSeconds * 1000).toBeGreaterThan(Number(config().READY_TIMEOUT_MS));
    });

    it("runs the image compose.yaml builds, with the Dockerfile's command", () => {
      expect(imageName(compose.services.api.image)).toBe(IMAGE);
      for (const { container } of appPods(objects())) expect(imageName(container.image)).toBe(IMAGE);
      // the server: the image's own CMD (the bundled server), never a command of its own
      expect(api().command).toBeUndefined();
      expect(api().args).toBeUndefined();
      expect(dockerfile.cmd).toEqual(["node", "--import", "./bundle/instrumentation.js", "bundle/server.js"]);
      // the Job: exactly compose's migrate one-off
      const job = one(objects(), "Job");
      expect(job.spec.template.spec.containers[0].command).toEqual(compose.services.migrate.command);
    });

    it("waits longer than the preStop pause plus SHUTDOWN_TIMEOUT_MS before SIGKILL", () => {
      const pod = deployment().spec.template.spec;
      const pause = api().lifecycle.preStop.sleep.seconds;
      expect(pause).toBeGreaterThan(0);
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(config().SHUTDOWN_TIMEOUT_MS) / 1000 + pause);
    });

    it("exposes metrics on all interfaces of the pod, where the scrape annotations point", () => {
      const annotations = deployment().spec.template.metadata.annotations;
      const metrics = api().ports.find((p: { name: string }) => p.name === "metrics");
      expect(config()).toMatchObject({ METRICS_ENABLED: "true", METRICS_HOST: "0.0.0.0" });
      expect(metrics.containerPort).toBe(Number(config().METRICS_PORT));
      expect(annotations).toMatchObject({
        "prometheus.io/scrape": "true",
        "prometheus.io/port": config().METRICS_PORT,
        "prometheus.io/path": "/metrics",
      });
    });

    it("names the migration Job after the release and puts what it needs in the pre-rollout phase", () => {
      const image: string = api().image;
      const tag = image.slice(image.lastIndexOf(":") + 1);
      const job = one(objects(), "Job");
      expect(job.metadata.name).toBe(`api-migrate-${tag}`);
      const phase = objects().filter((o) => o.metadata.labels?.["rollout-phase"] === "migrate");
      const kinds = phase.map((o) => `${o.kind}/${o.metadata.name}`).sort();
      expect(kinds).toEqual(
        [
          `ConfigMap/${one(objects(), "ConfigMap").metadata.name}`,
          `Job/${job.metadata.name}`,
          `Namespace/${one(objects(), "Namespace").metadata.name}`,
          "NetworkPolicy/api-migrate",
          ...(overlay === "production" ? [] : ["Secret/api-secrets"]),
        ].sort(),
      );
      // the Job reads exactly the ConfigMap the Deployment reads
      const configRef = (c: Container) =>
        c.envFrom.map((f: { configMapRef?: { name: string } }) => f.configMapRef?.name);
      expect(configRef(job.spec.template.spec.containers[0])).toEqual(configRef(api()));
    });

    it("spreads pods over nodes, rolls out without losing capacity, and lets the autoscaler own the count", () => {
      const spec = deployment().spec;
      expect(spec.replicas).toBeUndefined();
      expect(spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
      const keys = spec.template.spec.topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey);
      expect(keys).toContain("kubernetes.io/hostname");
      const hpa = one(objects(), "HorizontalPodAutoscaler");
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "api" });
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
      // every pool at its maximum stays under PostgreSQL's default max_connections (100)
      expect(hpa.spec.maxReplicas * Number(config().DATABASE_POOL_MAX)).toBeLessThan(100);
    });

    it("selects the API's pods with the Service, the budget and the network policy", () => {
      const podLabels = deployment().spec.template.metadata.labels;
      const matches = (selector: Record<string, string>) =>
        Object.entries(selector).every(([key, value]) => podLabels[key] === value);
      expect(matches(one(objects(), "Service", "api").spec.selector)).toBe(true);
      expect(matches(one(objects(), "PodDisruptionBudget", "api").spec.selector.matchLabels)).toBe(true);
      expect(matches(one(objects(), "NetworkPolicy", "api").spec.podSelector.matchLabels)).toBe(true);
      expect(one(objects(), "Service", "api").spec.ports[0].targetPort).toBe("http");
    });

    it("lets in only the ingress controller (http) and Prometheus (metrics); lets out only DNS, PostgreSQL, Redis", () => {
      const policy = one(objects(), "NetworkPolicy", "api").spec;
      expect(policy.policyTypes).toEqual(["Ingress", "Egress"]);
      const inbound = policy.ingress.map(
        (rule: { from: { namespaceSelector: { matchLabels: Record<string, string> } }[]; ports: { port: string }[] }) =>
          `${rule.from.map((f) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).join()}:${rule.ports.map((p) => p.port).join()}`,
      );
      expect(inbound).toEqual(["ingress-nginx:http", "monitoring:metrics"]);
      const outbound = policy.egress.flatMap((rule: { ports: { port: number; protocol: string }[] }) =>
        rule.ports.map((p) => `${p.port}/${p.protocol}`),
      );
      expect(outbound.sort()).toEqual(["53/TCP", "53/UDP", "5432/TCP", "6379/TCP"]);
    });

    it("routes the nginx ingress class with the body limit, timeouts and retries of nginx/", () => {
      const ingress = one(objects(), "Ingress", "api");
      expect(ingress.spec.ingressClassName).toBe("nginx");
      expect(ingress.spec.rules[0].http.paths[0].backend.service).toEqual({ name: "api", port: { name: "http" } });
      const template = readRepoFile("nginx/templates/api.conf.template");
      const directive = (name: string) => {
        const value = template.match(new RegExp(`^\\s*${name}\\s+([^;]+);`, "m"))?.[1]?.trim();
        if (value === undefined) throw new Error(`${name} not found in nginx/templates/api.conf.template`);
        return value;
      };
      const seconds = (value: string) => value.replace(/s$/, "");
      const annotation = (name: string) => ingress.metadata.annotations?.[`nginx.ingress.kubernetes.io/${name}`];
      expect(annotation("proxy-body-size")).toBe(directive("client_max_body_size"));
      expect(annotation("proxy-connect-timeout")).toBe(seconds(directive("proxy_connect_timeout")));
      expect(annotation("proxy-send-timeout")).toBe(seconds(directive("proxy_send_timeout")));
      expect(annotation("proxy-read-timeout")).toBe(seconds(directive("proxy_read_timeout")));
      expect(annotation("proxy-next-upstream")).toBe(directive("proxy_next_upstream"));
      expect(annotation("proxy-next-upstream")).not.toContain("non_idempotent");
      expect(annotation("proxy-next-upstream-tries")).toBe(directive("proxy_next_upstream_tries"));
      expect(annotation("proxy-next-upstream-timeout")).toBe(seconds(directive("proxy_next_upstream_timeout")));
    });
  });
});
