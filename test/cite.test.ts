import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCitation, citationMarkdown, loadRecord, resolveRecord } from '@casebook/citing';
import { readCorrections, SCHEMA_VERSION } from '@casebook/results';
import { barChart, openStudy, type Study } from '@casebook/study';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CliResult, REPO, runCasebook, runCasebookInProcess } from './fixtures/cli';

/**
 * `casebook cite` on real records: a small case-study run made through the Study API (two tiny measurements, one
 * chart, one computed verdict) and a `casebook bench` record, all under a temp CASEBOOK_RESULTS_DIR. The suites
 * named "fixtures" start no measurement: they copy committed records into a temp results folder (`-t fixtures`
 * runs only them).
 */

const results = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-cite-'));
afterAll(() => fs.rmSync(results, { recursive: true, force: true }));

function casebook(args: readonly string[], resultsDir = results): Promise<CliResult> {
  return runCasebook(args, { resultsDir });
}

/** Targets of every markdown link and image: `[text](target)`. */
function linkTargets(markdown: string): string[] {
  return [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
}

/** GFM sanity: balanced fences and <details>, every table row with its header's number of cells. */
function expectWellFormedMarkdown(md: string): void {
  const lines = md.split('\n');
  expect(lines.filter((l) => l.startsWith('```')).length % 2).toBe(0);
  expect(md.match(/<details>/g)?.length ?? 0).toBe(md.match(/<\/details>/g)?.length ?? 0);
  const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const next = lines[i + 1] ?? '';
    if (line.startsWith('|') && /^\|( ?:?-+:? ?\|)+$/.test(next)) {
      const width = cells(line);
      expect(cells(next)).toBe(width);
      for (let j = i + 2; j < lines.length && (lines[j] as string).startsWith('|'); j++)
        expect(cells(lines[j] as string), `row ${j}: ${lines[j]}`).toBe(width);
    }
  }
}

describe('cite fresh runs (starts bench processes)', () => {
  let study: Study;
  let benchRunId: string;

  beforeAll(async () => {
    const previous = process.env['CASEBOOK_RESULTS_DIR'];
    process.env['CASEBOOK_RESULTS_DIR'] = results;
    try {
      study = openStudy('512-at-once', 'smoke', { note: 'cite test' });
      const records = await study.run([
        {
          client: 'undici-request',
          concurrency: 2,
          requests: 40,
          trials: 2,
          warmupRequests: 10,
          label: 'undici-request',
        },
        { client: 'node-http', concurrency: 2, requests: 40, trials: 2, warmupRequests: 10, label: 'node-http' },
      ]);
      const rows = records.map((r) => ({ client: r.client.name, rps: r.throughputRps }));
      await study.chart(
        'throughput',
        barChart({ title: 'Throughput', data: rows, categoryField: 'client', valueField: 'rps', valueTitle: 'req/s' }),
        'Bar chart: throughput [req/s] per client',
      );
      study.verdict({
        id: 'all-completed',
        kind: 'claim',
        claim: 'Both measurements completed without errors.',
        holds: records.every((r) => r.status === 'completed' && r.errors.total === 0),
        evidence: { measurements: records.length },
      });
      study.save();
    } finally {
      if (previous === undefined) delete process.env['CASEBOOK_RESULTS_DIR'];
      else process.env['CASEBOOK_RESULTS_DIR'] = previous;
    }
    const bench = await casebook([
      'bench',
      '--client',
      'undici-request',
      '--concurrency',
      '3',
      '--requests',
      '30',
      '--trials',
      '2',
      '--warmup',
      '10',
      '--delay-ms',
      '1',
    ]);
    expect(bench.code, bench.stderr).toBe(0);
    benchRunId = (bench.stdout.match(/run id\s+(bench-[0-9a-f]{8})/) as RegExpMatchArray)[1] as string;
  }, 120_000);

  describe('cite a case-study run', () => {
    test('prints well-formed markdown: claim, verdicts, key table, chart, environment, rerun command, commit', async () => {
      const r = await casebook(['cite', study.runId]);
      expect(r.code, r.stderr).toBe(0);
      const md = r.stdout;
      expectWellFormedMarkdown(md);
      expect(md.split('\n')[0]).toContain('**512 at once**');
      expect(md.split('\n')[0]).toContain(study.runId);
      expect(md.split('\n')[0]).toMatch(/[01] of 1 claims hold/);
      expect(md).toContain('Both measurements completed without errors.');
      expect(md).toMatch(/\| undici-request \| undici-request \d/);
      expect(md).toMatch(/\| node-http \| node-http v\d/);
      expect(md).toContain('vs fastest');
      expect(md).toMatch(/!\[Bar chart: throughput \(req\/s\) per client\]\([^)]+throughput\.png\)/);
      expect(md).toMatch(/<details><summary>Environment: Node v\d+/);
      expect(md).toContain('npx casebook run 512-at-once --profile smoke');
      expect(md).toMatch(/Commit `[0-9a-f]{12}`|Commit unknown/);
      expect(md).not.toContain(os.hostname());
    });

    test('every link resolves to an existing file from the repository root', async () => {
      const r = await casebook(['cite', study.runId]);
      const targets = linkTargets(r.stdout);
      expect(targets.length).toBeGreaterThanOrEqual(3); // chart, record, notebook
      for (const t of targets) expect(fs.existsSync(path.resolve(REPO, t)), t).toBe(true);
    });

    test('--relative-to makes the links resolve from another folder', async () => {
      const from = path.join(results, '512-at-once');
      const r = await casebook(['cite', study.runId, '--relative-to', from]);
      expect(r.code, r.stderr).toBe(0);
      const targets = linkTargets(r.stdout);
      expect(targets).toContain(`${study.runId}/charts/throughput.png`);
      for (const t of targets) expect(fs.existsSync(path.resolve(from, t)), t).toBe(true);
    });

    test('a record path works as well as a run id, and --format json carries the same markdown', async () => {
      const file = path.join(study.dir, 'record.json');
      const byPath = await casebook(['cite', file]);
      const byId = await casebook(['cite', study.runId]);
      expect(byPath.stdout).toBe(byId.stdout);
      const json = await casebook(['cite', study.runId, '--format', 'json']);
      expect(json.code, json.stderr).toBe(0);
      const c = JSON.parse(json.stdout);
      expect(c.runId).toBe(study.runId);
      expect(c.kind).toBe('case-study');
      expect(c.rows).toHaveLength(2);
      expect(c.charts).toHaveLength(1);
      expect(c.charts[0].exists).toBe(true);
      expect(c.markdown).toBe(byId.stdout);
      expect(c.git).toHaveProperty('dirty');
    });

    test('Study.citeSnippet() is what `casebook cite` prints for the run it made', async () => {
      const r = await casebook(['cite', study.runId]);
      expect(study.citeSnippet()).toBe(r.stdout);
    });
  });

  describe('cite a bench record', () => {
    test('prints the claim and a rerun command that reproduces the resolved parameters', async () => {
      const r = await casebook(['cite', benchRunId]);
      expect(r.code, r.stderr).toBe(0);
      expectWellFormedMarkdown(r.stdout);
      expect(r.stdout.split('\n')[0]).toMatch(
        /^`undici-request` \S+ reached \*\*[\d.]+ req\/s\*\* \(median of 2 trials/,
      );
      for (const t of linkTargets(r.stdout)) expect(fs.existsSync(path.resolve(REPO, t)), t).toBe(true);
      const json = JSON.parse((await casebook(['cite', benchRunId, '--json'])).stdout);
      expect(json.rerunGaps).toEqual([]);
      const rerun = json.rerun as string;
      expect(rerun).toMatch(/^npx casebook bench /);
      // Run the printed command (without saving) and check it resolves to the same parameters.
      const again = await casebook([...rerun.replace(/^npx casebook /, '').split(' '), '--no-save', '--json']);
      expect(again.code, again.stderr).toBe(0);
      const rerunRecord = JSON.parse(again.stdout.slice(again.stdout.search(/^\{/m)));
      const original = JSON.parse(fs.readFileSync(path.join(results, 'bench', `${benchRunId}.json`), 'utf8'));
      expect(rerunRecord.params).toEqual(original.params);
    });
  });
});

// Refused before anything is read or run: main() in this process (the cases above run the real bin).
describe('bad input: exit 2, a clear one-line message', () => {
  const bad = path.join(results, 'bad');
  fs.mkdirSync(bad, { recursive: true });
  fs.writeFileSync(path.join(bad, 'broken.json'), '{"schemaVersion": 1, "kind": "bench",');
  fs.writeFileSync(path.join(bad, 'future.json'), JSON.stringify({ schemaVersion: 999, kind: 'bench', runId: 'x' }));
  fs.writeFileSync(path.join(bad, 'other.json'), JSON.stringify({ schemaVersion: 1, kind: 'poem', runId: 'x' }));
  test.each([
    { args: ['cite', 'bench-00000000'], mentions: ['run: "bench-00000000"', 'no record with this run id'] },
    { args: ['cite', 'not a run id'], mentions: ['run: "not a run id"'] },
    { args: ['cite', path.join(bad, 'missing.json')], mentions: ['missing.json', 'cannot read'] },
    { args: ['cite', path.join(bad, 'broken.json')], mentions: ['broken.json', 'not valid JSON'] },
    { args: ['cite', path.join(bad, 'future.json')], mentions: ['future.json', 'schemaVersion'] },
    { args: ['cite', path.join(bad, 'other.json')], mentions: ['other.json', 'poem'] },
    { args: ['cite'], mentions: ['run: undefined'] },
    { args: ['cite', 'bench-00000000', '--format', 'yaml'], mentions: ['--format: "yaml"'] },
  ])('$args', async ({ args, mentions }) => {
    const r = await runCasebookInProcess(args, { resultsDir: results });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    for (const m of mentions) expect(r.stderr).toContain(m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

/**
 * Fixtures: committed records copied into a temp results root (the published one) and its local/ root, with a
 * results/corrections.json that supersedes one case-study run and one bench run.
 */
const COMMITTED = path.join(REPO, 'results');
const fixtures = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-cite-fixtures-'));
afterAll(() => fs.rmSync(fixtures, { recursive: true, force: true }));
const OLD_RUN = 'pool-limits-4b7c1363';
const NEW_RUN = 'pool-limits-f63ff10e';
const OLD_BENCH = 'bench-7e0df910';
const NEW_BENCH = 'bench-28e2b6c3';
const REASON = 'the target was pinned to the client CPU';

function copyRecord(relative: string, root = fixtures): string {
  const to = path.join(root, relative);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(path.join(COMMITTED, relative), to);
  return to;
}

describe('fixtures: superseded runs', () => {
  beforeAll(() => {
    copyRecord(`pool-limits/${OLD_RUN}/record.json`);
    copyRecord(`pool-limits/${NEW_RUN}/record.json`);
    copyRecord(`bench/${OLD_BENCH}.json`);
    copyRecord(`bench/${NEW_BENCH}.json`);
    const corrections = [
      { runId: OLD_RUN, supersededBy: NEW_RUN, reason: REASON, date: '2026-12-01' },
      { runId: OLD_BENCH, supersededBy: NEW_BENCH, reason: REASON, date: '2026-12-01' },
    ];
    fs.writeFileSync(
      path.join(fixtures, 'corrections.json'),
      JSON.stringify({ schemaVersion: SCHEMA_VERSION, corrections }),
    );
  });

  const cite = (relative: string): string =>
    citationMarkdown(
      buildCitation(loadRecord(path.join(fixtures, relative)), {
        repoRoot: REPO,
        corrections: readCorrections(fixtures),
      }),
    );

  test('a corrected case-study run opens with the supersession; its replacement does not', () => {
    const old = cite(`pool-limits/${OLD_RUN}/record.json`).split('\n');
    expect(old[0]).toBe(`> Superseded by ${NEW_RUN} — ${REASON} (corrected 2026-12-01)`);
    expect(old[2]).toContain('**Pool limits**');
    expect(cite(`pool-limits/${NEW_RUN}/record.json`)).not.toContain('Superseded');
  });

  test('a corrected bench run says so too, in markdown and in the JSON citation', () => {
    expect(cite(`bench/${OLD_BENCH}.json`)).toMatch(new RegExp(`^> Superseded by ${NEW_BENCH} — `));
    expect(cite(`bench/${NEW_BENCH}.json`)).not.toContain('Superseded');
    const json = buildCitation(loadRecord(path.join(fixtures, 'bench', `${OLD_BENCH}.json`)), {
      repoRoot: REPO,
      corrections: readCorrections(fixtures),
    });
    expect(json.supersededBy).toEqual({ runId: NEW_BENCH, reason: REASON, date: '2026-12-01' });
  });

  test('casebook cite and casebook show read results/corrections.json of the results root', async () => {
    const cited = await casebook(['cite', OLD_RUN], fixtures);
    expect(cited.code, cited.stderr).toBe(0);
    expect(cited.stdout.split('\n')[0]).toBe(`> Superseded by ${NEW_RUN} — ${REASON} (corrected 2026-12-01)`);
    const shown = await casebook(['show', OLD_BENCH], fixtures);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout.split('\n')[0]).toBe(`Superseded by ${NEW_BENCH} — ${REASON} (corrected 2026-12-01)`);
    const current = await casebook(['show', NEW_BENCH], fixtures);
    expect(current.code, current.stderr).toBe(0);
    expect(current.stdout).not.toContain('Superseded');
  });
});

describe('fixtures: run ids resolve in the published root first, then the local one', () => {
  const published = path.join(fixtures, 'roots', 'published');
  const local = path.join(published, 'local');
  beforeAll(() => {
    copyRecord(`bench/${OLD_BENCH}.json`, published);
    copyRecord(`bench/${OLD_BENCH}.json`, local);
    copyRecord(`bench/${NEW_BENCH}.json`, local);
  });

  test('a run in both roots resolves to the published record; a local-only run is still found', () => {
    expect(resolveRecord(OLD_BENCH, [published, local]).file).toBe(path.join(published, 'bench', `${OLD_BENCH}.json`));
    expect(resolveRecord(NEW_BENCH, [published, local]).file).toBe(path.join(local, 'bench', `${NEW_BENCH}.json`));
    expect(() => resolveRecord(NEW_BENCH, [published])).toThrow(/no record with this run id/);
  });
});
