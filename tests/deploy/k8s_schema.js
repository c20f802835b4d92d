// Validates Kubernetes objects against the OpenAPI schemas of Kubernetes
// and KEDA (kubernetes-models, @kubernetes-models/keda: ajv-compiled from
// the upstream schemas): types, required fields, enums and formats.
// Kubernetes' schemas allow unknown fields, so a misspelt key passes here;
// check_deploy.py reads the keys that matter from where they must be.
//
//   node k8s_schema.js NODE_MODULES OVERLAY OBJECTS.json
//
// OBJECTS.json is a JSON array of the rendered objects. Prints "ok   ..."
// or "FAIL ..." per object; exits 1 when any fails.
"use strict";
const fs = require("fs");
const path = require("path");

const [modules, overlay, file] = process.argv.slice(2);
const need = (m) => require(path.join(modules, m));
const kinds = {
  "v1/ConfigMap": () => need("kubernetes-models/v1/ConfigMap").ConfigMap,
  "v1/Secret": () => need("kubernetes-models/v1/Secret").Secret,
  "v1/Service": () => need("kubernetes-models/v1/Service").Service,
  "apps/v1/Deployment": () => need("kubernetes-models/apps/v1/Deployment").Deployment,
  "policy/v1/PodDisruptionBudget": () =>
    need("kubernetes-models/policy/v1/PodDisruptionBudget").PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": () =>
    need("kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler").HorizontalPodAutoscaler,
  "keda.sh/v1alpha1/ScaledObject": () =>
    need("@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject").ScaledObject,
};

let failed = 0;
for (const obj of JSON.parse(fs.readFileSync(file, "utf8"))) {
  const what = `${overlay}: ${obj.apiVersion} ${obj.kind} ${obj.metadata && obj.metadata.name}`;
  const model = kinds[`${obj.apiVersion}/${obj.kind}`];
  if (!model) {
    console.log(`FAIL ${what}: no schema known here (add it to k8s_schema.js)`);
    failed++;
    continue;
  }
  try {
    new (model())(obj).validate();
    console.log(`ok   ${what} matches its schema`);
  } catch (e) {
    console.log(`FAIL ${what}: ${e.message}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
