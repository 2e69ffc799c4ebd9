/**
 * Notebooks run on the tslab kernel, which compiles every cell with the TypeScript it bundles (a 5.0 build, not the
 * workspace's compiler), Node10 module resolution (package.json `types`/`main`; `exports` maps are ignored) and
 * CommonJS output. A declaration file the workspace's TypeScript accepts can still fail there: syntax or types newer
 * than 5.0, a path only node16 resolution finds. This compiles a small cell against the built
 * packages/<name>/dist/*.d.ts with tslab's own compiler and tslab's settings, in memory: no kernel, no process.
 *
 * One setting differs on purpose: tslab sets skipLibCheck, which turns an error in our own .d.ts into a silent `any`
 * in the notebook. Our declaration files are checked; third-party ones (under node_modules) are skipped, as tslab
 * skips them (@types/node 24 is written for TypeScript 5.6 and later).
 *
 * Needs the packages built (`npx turbo run build`; test:unit depends on it).
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as TypeScript from 'typescript';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '..');

/** The compiler tslab's converter loads (tslab/dist/converter.js), resolved from tslab's own package. */
const TSLAB_TYPESCRIPT = '@tslab/typescript-for-tslab';

const tslabPackageJsonPath = createRequire(__filename).resolve('tslab/package.json', { paths: [repo] });
const tslabPackage: { dependencies?: Record<string, string> } = JSON.parse(
  fs.readFileSync(tslabPackageJsonPath, 'utf8'),
);
const ts: typeof TypeScript = createRequire(tslabPackageJsonPath)(TSLAB_TYPESCRIPT);

/** Where tslab puts a cell: a source file in the kernel's working directory (the notebooks folder). */
const CELL_FILE = path.join(repo, 'notebooks', '__casebook_dts_check__.ts');
const STUDY_TYPES = path.join(repo, 'packages', 'study', 'dist', 'index.d.ts');

/**
 * A cell that uses the Study SDK the way the notebooks do: their imports, a run, a verdict, a chart, the record.
 * It is compiled, never run.
 */
const CELL_SOURCE = `
import * as fs from 'node:fs';
import {
  ADAPTERS,
  type BenchOptions,
  type BenchRecord,
  barChart,
  CLIENT_NAMES,
  type ClientName,
  cpuCeilingRps,
  type DnsLab,
  type DnsRunResult,
  displayMarkdown,
  displayTable,
  FOREIGN_CLIENTS,
  type ForeignBenchRecord,
  foreignAvailability,
  lineChart,
  littleBoundRps,
  median,
  openStudy,
  shareAtOrAboveMs,
} from '@casebook/study';

export async function cell(): Promise<string> {
  const study = openStudy('512-at-once', 'smoke', { profile: 'smoke' });
  const client: ClientName = CLIENT_NAMES[0];
  const list: BenchOptions[] = [{ client, concurrency: 8, connections: 8, delayMs: 50, requests: 100 }];
  const records: BenchRecord[] = await study.run(list);
  const bound = Math.min(littleBoundRps(8, 50), cpuCeilingRps(median(records.map((r) => r.cpuMicrosPerRequest))));
  const rows = records.map((r) => ({
    client: r.client.name,
    rps: r.throughputRps,
    slowShare: shareAtOrAboveMs(r.trials.map((t) => t.histogram), 100),
  }));
  study.verdict({ id: 'bound', claim: 'no run beats the bound', holds: rows.every((r) => r.rps <= bound), evidence: { bound } });
  displayTable(rows, ['client', { field: 'rps', title: 'req/s' }]);
  await study.chart('rps', barChart({ data: rows, categoryField: 'client', valueField: 'rps', valueTitle: 'req/s', title: 'rps' }), 'Bar chart: req/s per client.');
  const spec = lineChart({ data: rows, xField: 'rps', xTitle: 'req/s', yField: 'slowShare', yTitle: 'share', seriesField: 'client', title: 'slow' });
  const lab: DnsLab = await study.openDnsLab({ noNamespace: true });
  const runs: DnsRunResult[] = [await lab.burst({ client, requests: 4 })];
  await lab.close();
  const foreign: ForeignBenchRecord[] = foreignAvailability().available
    ? await study.runForeign([{ client: FOREIGN_CLIENTS[0], concurrency: 4, requests: 20 }])
    : [];
  displayMarkdown(\`\${ADAPTERS[client].version()}: \${runs.length} DNS runs, \${foreign.length} foreign, \${fs.existsSync(study.dir)}\`);
  return JSON.stringify(spec) + study.save();
}
`;

/** tslab's compiler options (tslab 1.0.22, dist/converter.js) for Node 18 and later, as far as they affect types. */
function tslabCompilerOptions(): TypeScript.CompilerOptions {
  return {
    // What runs: tslab checks with ESNext and rewrites the output to CommonJS; under Node10 resolution both resolve an
    // import the same way, and CommonJS also rules out module syntax the kernel could not run.
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    declaration: true,
    experimentalDecorators: true,
    resolveJsonModule: true,
    noEmit: true,
    // tslab: true. See the module comment: ours are checked, node_modules is not (compileCell).
    skipLibCheck: false,
  };
}

/** Compiles CELL_SOURCE in memory; returns the program and the diagnostics tslab (or our .d.ts) would raise. */
function compileCell(): { program: TypeScript.Program; diagnostics: readonly TypeScript.Diagnostic[] } {
  const options = tslabCompilerOptions();
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile;
  const fileExists = host.fileExists;
  const readFile = host.readFile;
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) =>
    fileName === CELL_FILE
      ? ts.createSourceFile(fileName, CELL_SOURCE, languageVersion)
      : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  host.fileExists = (fileName) => fileName === CELL_FILE || fileExists(fileName);
  host.readFile = (fileName) => (fileName === CELL_FILE ? CELL_SOURCE : readFile(fileName));
  const program = ts.createProgram([CELL_FILE], options, host);
  // The cell and our declaration files, not third-party ones (checking all of @types/node would only cost time).
  const ours = program.getSourceFiles().filter((f) => !f.fileName.split('/').includes('node_modules'));
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...ours.flatMap((f) => [...program.getSyntacticDiagnostics(f), ...program.getSemanticDiagnostics(f)]),
    ...ours.flatMap((f) => program.getDeclarationDiagnostics(f)),
  ];
  return { program, diagnostics };
}

describe("notebook-facing declarations under tslab's TypeScript", () => {
  it('uses the compiler tslab bundles, not the workspace one', () => {
    expect(tslabPackage.dependencies?.[TSLAB_TYPESCRIPT]).toBe(ts.version);
  });

  it("a cell importing @casebook/study compiles against the built .d.ts with tslab's settings", () => {
    expect(fs.existsSync(STUDY_TYPES), `${STUDY_TYPES} is missing: run \`npx turbo run build\` first`).toBe(true);
    const { program, diagnostics } = compileCell();
    // Node10 resolution found the built declarations through package.json "types", not the sources.
    const casebookFiles = program
      .getSourceFiles()
      .map((f) => path.relative(repo, f.fileName))
      .filter((f) => f.startsWith(`packages${path.sep}`));
    expect(casebookFiles).toContain(path.relative(repo, STUDY_TYPES));
    expect(casebookFiles.filter((f) => !f.endsWith('.d.ts'))).toEqual([]);
    const formatHost: TypeScript.FormatDiagnosticsHost = {
      getCanonicalFileName: (f) => f,
      getCurrentDirectory: () => repo,
      getNewLine: () => '\n',
    };
    expect(diagnostics.map((d) => ts.formatDiagnostic(d, formatHost).trim())).toEqual([]);
  });
});
