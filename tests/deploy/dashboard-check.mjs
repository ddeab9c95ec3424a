// Schema and lint check of the Grafana dashboards (deploy/grafana/*.json): validates each against
// grafana-dashboard.schema.json with ajv, then lints what the schema cannot say: unique panel ids, panels inside the
// 24 columns, every panel on the templated Prometheus data source, and every metric an expression names under one
// prefix scheme (tffashion_ for the project's own; Kafka's and the JVM's as Micrometer names them). Prints the
// project's own metric names, one a line, for DashboardTest to find in the sources; exits 1 naming each problem.
// Run by DashboardTest (tests/deploy), after `npm ci` in tests/deploy.
import { readFileSync } from "node:fs";
import Ajv from "ajv";

const schema = JSON.parse(readFileSync(new URL("./grafana-dashboard.schema.json", import.meta.url), "utf8"));
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const OWN = /^tffashion_[a-z0-9_]+$/;
const FRAMEWORK = /^(kafka_(consumer|producer)_[a-z0-9_]+|jvm_[a-z0-9_]+|process_[a-z0-9_]+|http_server_[a-z0-9_]+)$/;
// PromQL words that are not metric names
const WORDS = new Set(["sum", "max", "min", "avg", "count", "by", "without", "rate", "increase", "irate", "histogram_quantile",
  "le", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "topk", "bottomk", "abs", "delta"]);

const errors = [];
const own = new Set();
for (const file of process.argv.slice(2)) {
  const dashboard = JSON.parse(readFileSync(file, "utf8"));
  if (!validate(dashboard)) {
    for (const e of validate.errors) errors.push(`${file}: ${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
    continue;
  }
  const variables = new Set(dashboard.templating.list.map((v) => v.name));
  const ids = new Set();
  for (const panel of dashboard.panels) {
    const where = `${file}: panel ${panel.id} "${panel.title}"`;
    if (ids.has(panel.id)) errors.push(`${where}: the id ${panel.id} is used twice`);
    ids.add(panel.id);
    if (panel.gridPos.x + panel.gridPos.w > 24) errors.push(`${where}: reaches past the 24 columns (x ${panel.gridPos.x} + w ${panel.gridPos.w})`);
    if (panel.type === "row") continue;
    for (const ds of [panel.datasource, ...panel.targets.map((t) => t.datasource).filter(Boolean)]) {
      const name = /^\$\{?(\w+)\}?$/.exec(ds.uid)?.[1];
      if (!name || !variables.has(name)) errors.push(`${where}: data source uid "${ds.uid}" is not a templated variable; use \${datasource}`);
    }
    for (const target of panel.targets) {
      const names = new Set();
      for (const m of target.expr.matchAll(/__name__=~?"([^"]+)"/g)) names.add(m[1]);
      const bare = target.expr.replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, " ").replace(/\{[^}]*\}/g, " ")
        .replace(/\[[^\]]*\]/g, " ").replace(/"[^"]*"/g, " ");
      for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) if (!WORDS.has(m[0]) && !/^\d/.test(m[0])) names.add(m[0]);
      for (const name of names) {
        if (name.includes("(") || name.includes(".*")) {
          // a regex over names: its literal prefix must be the project's
          if (!name.startsWith("tffashion_")) errors.push(`${where} ${target.refId}: the name pattern "${name}" is not under tffashion_`);
        } else if (OWN.test(name)) {
          own.add(name);
        } else if (!FRAMEWORK.test(name)) {
          errors.push(`${where} ${target.refId}: "${name}" is neither a tffashion_ metric nor a Kafka or JVM one`);
        }
      }
    }
  }
}
if (errors.length > 0) {
  console.error(errors.join("\n"));
  process.exit(1);
}
for (const name of [...own].sort()) console.log(name);
