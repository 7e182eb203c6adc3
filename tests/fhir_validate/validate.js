// Validate FHIR R4 resources (JSON files named on the command line) with FHIR.js.
// Prints one JSON line per file: {"file", "valid", "messages"}; exits 1 if any is invalid.
"use strict";
const fs = require("fs");
const { Fhir } = require("fhir");

const fhir = new Fhir();
let failed = false;
for (const file of process.argv.slice(2)) {
  const resource = JSON.parse(fs.readFileSync(file, "utf8"));
  const result = fhir.validate(resource, { errorOnUnexpected: true });
  const messages = (result.messages || []).filter((m) => m.severity !== "information");
  if (!result.valid) failed = true;
  process.stdout.write(JSON.stringify({ file, valid: result.valid, messages }) + "\n");
}
process.exit(failed ? 1 : 0);
