#!/usr/bin/env node
// Each test file's time from the last vitest run (its JSON reporter writes .casebook-tmp/test-times.json; see
// vitest.config.mts), slowest first, with the total: what to look at when `.ci/run` nears its 15-minute budget.
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const file = path.join(root, process.argv[2] ?? '.casebook-tmp/test-times.json');
if (!fs.existsSync(file)) {
  console.error(`no vitest JSON report at ${file}: run the tests first`);
  process.exit(2);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8'));
const rows = report.testResults
  .map((t) => ({ file: path.relative(root, t.name), seconds: (t.endTime - t.startTime) / 1000, status: t.status }))
  .sort((a, b) => b.seconds - a.seconds);
for (const r of rows) console.log(`${r.seconds.toFixed(1).padStart(7)} s  ${r.status.padEnd(6)}  ${r.file}`);
const total = rows.reduce((sum, r) => sum + r.seconds, 0);
console.log(`${total.toFixed(1).padStart(7)} s  total over ${rows.length} files (files run one at a time)`);
