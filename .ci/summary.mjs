// Prints the line CI reads, "N passed, N failed", from vitest's JSON report.
// A missing or unreadable report (the build or vitest itself failed) counts as one failure.
import { readFileSync } from "node:fs";

const path = process.argv[2];
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(path, "utf8"));
  passed = report.numPassedTests;
  failed = report.numFailedTests + (report.numRuntimeErrors ?? 0);
  skipped = report.numPendingTests + report.numTodoTests;
  // A test file that fails to load has no tests but still fails the run.
  failed += report.testResults.filter((file) => file.status === "failed" && file.assertionResults.length === 0).length;
  if (passed + failed === 0) failed = 1;
} catch (error) {
  console.error(`no test report at ${path}: ${error.message}`);
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
