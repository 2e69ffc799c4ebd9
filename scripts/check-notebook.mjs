#!/usr/bin/env node
import * as fs from 'node:fs';
// Type-check the code cells of notebooks with the TypeScript that tslab bundles (5.0.x) and tslab's compiler options,
// without running anything: catches what would stop a cell (a type error stops it in tslab) before a notebook runs.
// Usage: node scripts/check-notebook.mjs notebooks/01-512-at-once.ipynb [...]   (run `npm run build` first)
// Cells are concatenated in order; tslab allows a later cell to redeclare a const, so that one error is ignored.
import { createRequire } from 'node:module';
import * as path from 'node:path';

const requireFromHere = createRequire(import.meta.url);
const ts = requireFromHere('@tslab/typescript-for-tslab');
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
/** TS2451: cannot redeclare block-scoped variable (allowed across tslab cells). */
const IGNORED = new Set([2451]);

function check(notebookFile) {
  const nb = JSON.parse(fs.readFileSync(notebookFile, 'utf8'));
  const cells = nb.cells.filter(
    (c) => c.cell_type === 'code' && !(c.metadata?.tags ?? []).includes('injected-parameters'),
  );
  const parts = [];
  const starts = [];
  let line = 0;
  for (const [i, c] of cells.entries()) {
    const src = Array.isArray(c.source) ? c.source.join('') : c.source;
    starts.push({ line, cell: i, id: c.id });
    parts.push(src);
    line += src.split('\n').length + 1;
  }
  const dir = path.dirname(path.resolve(notebookFile));
  const file = path.join(dir, `.${path.basename(notebookFile)}.check.ts`);
  const text = `${parts.join('\n\n')}\nexport {};\n`;
  fs.writeFileSync(file, text);
  try {
    const program = ts.createProgram([file], {
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts'],
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      typeRoots: [path.join(repo, 'node_modules/@types')],
    });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => !IGNORED.has(d.code));
    const cellOf = (l) => [...starts].reverse().find((s) => s.line <= l);
    return diagnostics.map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      if (!d.file || d.file.fileName !== file) return `${d.file?.fileName ?? ''}: ${message}`;
      const { line: l } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
      const at = cellOf(l);
      return `cell ${at?.cell} (${at?.id}), line ${l - (at?.line ?? 0) + 1}: TS${d.code} ${message}`;
    });
  } finally {
    fs.rmSync(file, { force: true });
  }
}

let failed = 0;
for (const notebook of process.argv.slice(2)) {
  const problems = check(notebook);
  if (problems.length === 0) process.stdout.write(`${notebook}: ok\n`);
  else {
    failed++;
    process.stdout.write(`${notebook}: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
