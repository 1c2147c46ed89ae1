import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments, parse as parseYaml } from "yaml";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const KUBERNETES = path.join(ROOT, "deploy/kubernetes");
export const OVERLAYS = ["development", "production"] as const;
export type Overlay = (typeof OVERLAYS)[number];

export const HAS_KUBECTL = spawnSync("kubectl", ["version", "--client"], { stdio: "ignore" }).status === 0;

/** A Kubernetes object as rendered; only the fields the tests read are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered YAML, read field by field in the tests
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** `kubectl kustomize <dir>`: what `kubectl apply -k <dir>` would send. */
export function render(dir: string): K8sObject[] {
  const out = execFileSync("kubectl", ["kustomize", dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseAllDocuments(out).map((doc) => doc.toJS() as K8sObject);
}

export const readRepoFile = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
export const readYaml = (file: string) => parseYaml(readRepoFile(file), { merge: true });

/** The runtime stage's EXPOSE, ENV PORT, USER and CMD of docker/api.Dockerfile (the default target: the last stage). */
export function dockerfileRuntime() {
  const stages = readRepoFile("docker/api.Dockerfile").split(/^FROM /m);
  const runtime = stages.at(-1) ?? "";
  const expose = runtime.match(/^EXPOSE (\d+)/m)?.[1];
  const port = runtime.match(/^\s+PORT=(\d+)/m)?.[1];
  const user = runtime.match(/^USER (\d+):(\d+)/m);
  const cmd = runtime.match(/^CMD (\[.*\])$/m)?.[1];
  return {
    expose: Number(expose),
    port: Number(port),
    uid: Number(user?.[1]),
    gid: Number(user?.[2]),
    cmd: cmd ? (JSON.parse(cmd) as string[]) : [],
  };
}
