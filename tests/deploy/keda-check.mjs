// Schema check of KEDA objects with the published KEDA models (@kubernetes-models/keda): reads a JSON array of
// rendered documents from the file named by the first argument; exits 1 naming each invalid object.
// Run by KedaTest (tests/deploy), after `npm ci` in tests/deploy.
import { readFileSync } from "node:fs";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";

const models = { "keda.sh/v1alpha1/ScaledObject": ScaledObject };
const documents = JSON.parse(readFileSync(process.argv[2], "utf8"));
const errors = [];
for (const document of documents) {
  const where = `${document.apiVersion} ${document.kind}/${document.metadata?.name}`;
  const Model = models[`${document.apiVersion}/${document.kind}`];
  if (!Model) {
    errors.push(`${where}: not a KEDA kind this check knows (${Object.keys(models).join(", ")})`);
    continue;
  }
  try {
    new Model(document).validate();
  } catch (e) {
    errors.push(`${where}: ${e.message}`);
  }
}
if (errors.length > 0) {
  console.error(errors.join("\n"));
  process.exit(1);
}
console.log(`${documents.length} valid`);
