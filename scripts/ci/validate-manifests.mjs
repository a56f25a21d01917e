// Validates every object of rendered Kubernetes manifests against the Kubernetes OpenAPI schemas (the npm package
// kubernetes-models, generated from them; prometheus-operator's CRD schemas for ServiceMonitor and the like).
// Usage: node validate-manifests.mjs <node_modules dir> <file.yaml>...   Exits 1 naming each object and field that fails.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [modules, ...files] = process.argv.slice(2);
const yaml = (await import(pathToFileURL(join(modules, "js-yaml", "dist", "js-yaml.mjs")))).default;
const packages = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };

async function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : [null, apiVersion];
  const pkg = packages[group] ?? "kubernetes-models";
  const file = join(modules, pkg, ...(group ? [group, version] : [version]), `${kind}.js`);
  return existsSync(file) ? (await import(pathToFileURL(file)))[kind] : null;
}

let objects = 0;
let failures = 0;
for (const file of files) {
  for (const doc of yaml.loadAll(readFileSync(file, "utf8"))) {
    if (doc == null) continue;
    objects++;
    const id = `${file}: ${doc.kind ?? "?"} ${doc.metadata?.namespace ? doc.metadata.namespace + "/" : ""}${doc.metadata?.name ?? "?"}`;
    const Model = doc.apiVersion && doc.kind ? await modelFor(doc.apiVersion, doc.kind) : null;
    if (!Model) {
      console.error(`${id}: no schema for apiVersion ${doc.apiVersion} kind ${doc.kind}`);
      failures++;
      continue;
    }
    try {
      new Model(doc).validate();
    } catch (error) {
      const details = (error.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}${e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : ""}`);
      console.error(`${id}: ${details.length ? details.join("; ") : error.message}`);
      failures++;
    }
  }
}
console.log(`validated ${objects} objects against the Kubernetes OpenAPI schemas: ${failures} invalid`);
process.exit(failures || objects === 0 ? 1 : 0);
