#!/usr/bin/env node
// Each test file's time from the last vitest runs, slowest first, with the total: what to look at when `.ci/run` nears
// its 15-minute budget. `npm test` runs the two projects one after the other, and each writes its own JSON report
// (package.json: test:unit → .casebook-tmp/test-times-unit.json, test:notebooks → test-times-notebooks.json), so
// the second does not overwrite the first; a bare `npx vitest run` writes .casebook-tmp/test-times.json
// (vitest.config.mts). Without arguments it prints the two reports of `npm test`; with arguments, those files.
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const DEFAULT_REPORTS = ['.casebook-tmp/test-times-unit.json', '.casebook-tmp/test-times-notebooks.json'];
const files = (process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_REPORTS).map((f) => path.resolve(root, f));
const found = files.filter((file) => fs.existsSync(file));
if (found.length === 0) {
  console.error(`no vitest JSON report at ${files.join(' or ')}: run the tests first`);
  process.exit(2);
}
for (const file of files.filter((f) => !found.includes(f))) console.log(`(no report at ${path.relative(root, file)})`);
let all = 0;
for (const file of found) {
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  const rows = report.testResults
    .map((t) => ({ file: path.relative(root, t.name), seconds: (t.endTime - t.startTime) / 1000, status: t.status }))
    .sort((a, b) => b.seconds - a.seconds);
  console.log(`${path.relative(root, file)}:`);
  for (const r of rows) console.log(`${r.seconds.toFixed(1).padStart(7)} s  ${r.status.padEnd(6)}  ${r.file}`);
  const total = rows.reduce((sum, r) => sum + r.seconds, 0);
  all += total;
  console.log(`${total.toFixed(1).padStart(7)} s  total over ${rows.length} files (files run one at a time)`);
}
if (found.length > 1) console.log(`${all.toFixed(1).padStart(7)} s  total over the ${found.length} reports`);
