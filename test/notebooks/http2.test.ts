import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HTTP2_CLAIMS } from '@casebook/analysis';
import { listRecords } from '@casebook/citing';
import { type CaseStudyRecord, ReproductionRecordSchema, readCorrections, validateAgainst } from '@casebook/results';
import { afterAll, describe, expect, it } from 'vitest';
import { livePids, recordedPids } from './recorded-processes';
import { printRunTimes } from './run-times';

/**
 * The HTTP/2 notebook, executed ONCE at the smoke profile, checked twice: as a notebook (chart, verdicts, record, no
 * process left behind) and as `casebook reproduce` of the newest published HTTP/2 run (a valid reproduction record
 * linked to the original, every claim accounted for, drift = reproduced ÷ original, the committed record untouched).
 * One execution instead of two saves about a minute of CI (the 15-minute budget); `reproduce` runs the notebook
 * through the same notebook runner the notebook tests use.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-nb-h2-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const REPO = path.resolve(__dirname, '../..');
const STUDY = 'http2';
/** The CLI as a reader runs it (`npx casebook`), on the pinned Node. */
const CASEBOOK = [
  path.join(REPO, 'node_modules', '.bin', 'node'),
  path.join(REPO, 'packages', 'cli', 'bin', 'casebook.js'),
];
/** The smoke run takes about a minute here; this only bounds one that hangs. */
const RUN_TIMEOUT_MS = 240_000;

/** Runs the CLI; resolves with its exit code and everything it printed. */
function casebook(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const [node = 'node', bin = ''] = CASEBOOK;
  return new Promise((resolve, reject) => {
    const child = spawn(node, [bin, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** The newest committed run of the study that no correction replaced: the one a reader would cite. */
function citedRun(): { file: string; record: CaseStudyRecord } {
  const superseded = new Set(readCorrections(path.join(REPO, 'results')).map((c) => c.runId));
  const runs = listRecords(path.join(REPO, 'results')).flatMap((r) =>
    r.kind === 'case-study' && r.record.caseStudy === STUDY && !superseded.has(r.record.runId)
      ? [{ file: r.file, record: r.record }]
      : [],
  );
  const newest = runs.sort((x, y) => y.record.startedAt.localeCompare(x.record.startedAt))[0];
  if (newest === undefined) throw new Error(`no published ${STUDY} run`);
  return newest;
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('04-http2', () => {
  it('executes in the smoke profile as a reproduction of the published run: notebook, record and reproduction checked', async () => {
    const original = citedRun();
    const before = sha256(original.file);
    const resultsDir = path.join(tmp, 'results');
    const started = Date.now();
    const { code, output: printed } = await casebook(['reproduce', original.file, '--profile', 'smoke'], {
      ...process.env,
      CASEBOOK_RESULTS_DIR: resultsDir,
    });
    process.stdout.write(
      `reproduce ${original.record.runId} at smoke: exit ${code} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    expect(code, printed).toBe(0);
    process.stdout.write(
      `${/^\*\*(?:\d+ of \d+ decided claims? reproduced|no claim was decided in the original)[^\n]*$/m.exec(printed)?.[0] ?? printed}\n`,
    );

    const runs = fs.readdirSync(path.join(resultsDir, STUDY));
    expect(runs).toHaveLength(1);
    const runDir = path.join(resultsDir, STUDY, runs[0] ?? '');
    printRunTimes('04-http2 (reproduce)', path.join(runDir, 'record.json'));
    const rerun = JSON.parse(fs.readFileSync(path.join(runDir, 'record.json'), 'utf8')) as CaseStudyRecord;
    expect(rerun.profile).toBe('smoke');

    const reportFile = path.join(runDir, 'reproduction.json');
    // Exactly the schema (throws naming the first problem), not readRecord's migrating read.
    const report = validateAgainst(
      ReproductionRecordSchema,
      JSON.parse(fs.readFileSync(reportFile, 'utf8')),
      reportFile,
    );
    expect(report.original).toMatchObject({
      runId: original.record.runId,
      caseStudy: STUDY,
      profile: original.record.profile,
      commit: original.record.environment.git.commit,
    });
    expect(report.reproducedRunId).toBe(rerun.runId);
    expect(report.runId.startsWith(`${original.record.runId}-repro-`)).toBe(true);

    // Every claim of the original is accounted for: reproduced, not reproduced (both evidences named) or missing.
    const claims = original.record.verdicts.filter((v) => v.kind === 'claim');
    const s = report.summary;
    expect(s.claims).toBe(claims.length);
    expect(s.reproduced + s.notReproduced + s.missing).toBe(claims.length);
    // The headline counts the claims the original decided: one unresolved both times reproduces no finding.
    const decided = claims.filter((v) => v.outcome !== 'unresolved');
    expect(s.decided).toBe(decided.length);
    expect(s.undecided).toBe(claims.length - decided.length);
    expect(s.decidedReproduced).toBe(
      report.claims.filter((c) => c.kind === 'claim' && c.original !== 'unresolved' && c.status === 'reproduced')
        .length,
    );
    for (const c of report.claims.filter((x) => x.status === 'not-reproduced')) {
      expect(c.original, c.id).not.toBe(c.reproduced);
      expect(c.reproducedEvidence, c.id).not.toBe('');
    }

    // Drift: one throughput row per measurement of the original, each ratio exactly reproduced ÷ original.
    const throughput = report.drift.filter((d) => d.metric === 'throughputRps');
    expect(throughput.map((d) => d.measurement)).toEqual(
      expect.arrayContaining(original.record.measurements.map((m) => m.label)),
    );
    for (const d of report.drift) {
      if (d.original === null || d.reproduced === null || d.original === 0) expect(d.ratio).toBeNull();
      else expect(d.ratio, `${d.measurement} ${d.metric}`).toBeCloseTo(d.reproduced / d.original, 9);
    }
    expect(throughput.some((d) => d.ratio !== null && d.ratio > 0)).toBe(true);

    expect(printed).toContain(`this rerun uses smoke (--profile)`);
    expect(printed).toContain(
      decided.length === 0
        ? '**no claim was decided in the original: nothing to reproduce**'
        : `**${s.decidedReproduced} of ${decided.length} decided claim${decided.length === 1 ? '' : 's'} reproduced**`,
    );
    for (const c of claims) expect(printed, c.id).toContain(`| ${c.id} |`);
    // The executed notebook (reproduce keeps it next to nothing committed): no timestamps, no host name.
    const notebookOut = /^Executed notebook: (.+)$/m.exec(printed)?.[1];
    if (notebookOut === undefined) throw new Error(`reproduce did not name the executed notebook: ${printed}`);
    const nb = JSON.parse(fs.readFileSync(notebookOut, 'utf8')) as {
      cells: { outputs?: { data?: Record<string, unknown> }[] }[];
    };
    const text = JSON.stringify(nb, (key, value) => (key === 'image/png' ? '' : value));
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(text).not.toContain(os.hostname());
    const record = JSON.parse(fs.readFileSync(path.join(runDir, 'record.json'), 'utf8')) as {
      profile: string;
      measurements: { status: string; file: string; error: { code: string } | null }[];
      verdicts: { id: string; holds: boolean; kind: string; outcome: string }[];
      charts: unknown[];
    };
    expect(record.profile).toBe('smoke');
    // Protocol, cap, burst and RTT-sweep measurements; a cold burst over a small cap may fail, and says so with a code.
    expect(record.measurements.length).toBeGreaterThan(0);
    for (const m of record.measurements) if (m.status !== 'completed') expect(m.error?.code).toMatch(/^[A-Z0-9_]+$/);
    for (const v of record.verdicts) {
      expect(typeof v.holds, v.id).toBe('boolean');
      // Every verdict says what it is; nothing is left unclassified.
      expect(['claim', 'sanity', 'exploratory'], v.id).toContain(v.kind);
    }
    // Every claim stated before the measurement is decided (holds, fails or unresolved) in the run.
    expect(record.verdicts.map((v) => v.id)).toEqual(expect.arrayContaining(Object.keys(HTTP2_CLAIMS)));
    const verdict = (id: string) => record.verdicts.find((v) => v.id === id);
    // Sanity checks of the lab itself: the harness measures the protocol, and the server enforces S / L.
    expect(verdict('client-matches-target')?.holds).toBe(true);
    expect(verdict('single-session-bound')?.holds).toBe(true);
    // Protocol per request is counted, never assumed: the RTT sweep used exactly what it asked for.
    expect(verdict('rtt-protocols-as-asked')?.holds).toBe(true);
    expect(record.charts.length).toBeGreaterThanOrEqual(1);
    // Every target and proxy the measurements started has exited.
    expect(livePids(recordedPids(record.measurements))).toEqual([]);
    fs.rmSync(path.dirname(notebookOut), { recursive: true, force: true });
    expect(sha256(original.file)).toBe(before);
  });
});
