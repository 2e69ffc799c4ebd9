#!/usr/bin/env node

// The casebook CLI. Runs on the repository's pinned Node (npm package `node`, see package.json); if started by an
// older system Node it re-executes itself with the pinned one, so `node packages/cli/bin/casebook.js` works too.
const path = require('node:path');
const fs = require('node:fs');
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  const pinned = path.resolve(__dirname, '../../../node_modules/.bin/node');
  if (fs.existsSync(pinned)) {
    const r = require('node:child_process').spawnSync(pinned, [__filename, ...process.argv.slice(2)], {
      stdio: 'inherit',
    });
    process.exit(r.status === null ? 1 : r.status);
  }
  process.stderr.write(`casebook: needs Node >= 22 (found ${process.version}); run \`npm run bootstrap\` first\n`);
  process.exit(1);
}
require('../dist/main.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
