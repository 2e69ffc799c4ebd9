import * as fs from 'node:fs';
import * as path from 'node:path';
import { SOURCE_LINKS, type SourceLink, sourceUrl } from '@casebook/analysis';
import { CASE_STUDIES } from '@casebook/results';
import { describe, expect, it } from 'vitest';

/**
 * Mechanisms from the source that ran: every registered link is pinned to the installed version and its lines contain
 * the token it names; every GitHub source link in a notebook is a registered one; nothing links to a moving branch.
 */
const repo = path.resolve(__dirname, '..');

interface NodeNatives {
  [id: string]: string;
}
const natives = (process as unknown as { binding(name: 'natives'): NodeNatives }).binding('natives');

function installedSource(link: SourceLink): { version: string; text: string } | null {
  if (link.source === 'node') {
    // lib/x.js is embedded as 'x'; the bundled deps (deps/undici/undici.js) verbatim as 'internal/deps/…'.
    const id = link.file.startsWith('deps/')
      ? `internal/${link.file.replace(/\.js$/, '')}`
      : link.file.replace(/^lib\//, '').replace(/\.js$/, '');
    const text = natives[id];
    return text === undefined ? null : { version: process.version, text };
  }
  const dir = path.join(repo, 'node_modules', link.source);
  const file = path.join(dir, link.file);
  if (!fs.existsSync(file)) return null;
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  return { version: `v${pkg.version}`, text: fs.readFileSync(file, 'utf8') };
}

/**
 * A version-store entry of a link's source at its tag (`.casebook/versions/<name>@<version>-<hex>/`), or null when
 * the store does not have it (links to versions other than the workspace's are checked there when it does).
 */
function storedSource(link: SourceLink): string | null {
  const store = process.env['CASEBOOK_VERSION_STORE'] ?? path.join(repo, '.casebook', 'versions');
  if (!fs.existsSync(store)) return null;
  const prefix = `${link.source}@${link.tag.replace(/^v/, '')}-`;
  const entry = fs.readdirSync(store).find((d) => d.startsWith(prefix));
  if (entry === undefined) return null;
  const file = path.join(store, entry, 'node_modules', link.source, link.file);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
}

describe('registered source links', () => {
  it('hand-checked links to npm versions in the version store show their token there', () => {
    for (const link of SOURCE_LINKS.filter((l) => l.checkedByHand && l.lines !== null)) {
      const text = storedSource(link);
      if (text === null) continue;
      const [from, to] = link.lines ?? [1, 0];
      expect(
        text
          .split('\n')
          .slice(from - 1, to)
          .join('\n'),
        sourceUrl(link),
      ).toContain(link.token);
    }
  });

  it('have unique ids and a token', () => {
    const ids = SOURCE_LINKS.map((l) => l.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const l of SOURCE_LINKS) expect(l.token.length, l.id).toBeGreaterThan(0);
  });

  it.each(SOURCE_LINKS.filter((l) => !l.checkedByHand).map((l) => [l.id, l] as const))(
    '%s: pinned to the installed version, and its lines contain the token',
    (_id, link) => {
      const src = installedSource(link);
      expect(src, `${link.source} ${link.file} is not installed: mark it checkedByHand`).not.toBeNull();
      expect(link.tag).toBe(src?.version);
      expect(link.lines, 'a link checked here names its lines').not.toBeNull();
      const [from, to] = link.lines ?? [1, 0];
      const lines = (src?.text ?? '').split('\n').slice(from - 1, to);
      expect(lines.join('\n'), `${sourceUrl(link)} should show ${JSON.stringify(link.token)}`).toContain(link.token);
    },
  );
});

const GITHUB_SOURCE = /https:\/\/github\.com\/[\w.-]+\/[\w.-]+\/blob\/[^\s)"'`]+/g;

function notebookSources(notebook: string): string {
  const nb = JSON.parse(fs.readFileSync(path.join(repo, notebook), 'utf8')) as { cells: { source: string[] }[] };
  return nb.cells.map((c) => c.source.join('')).join('\n');
}

describe('links in notebooks', () => {
  const registered = new Set(SOURCE_LINKS.map(sourceUrl));

  it.each(CASE_STUDIES.map((s) => [s.id, s.notebook] as const))(
    '%s links only registered, pinned source lines',
    (_id, notebook) => {
      const links = [...notebookSources(notebook).matchAll(GITHUB_SOURCE)].map((m) => m[0]);
      const unregistered = links.filter((l) => !registered.has(l));
      expect(unregistered).toEqual([]);
    },
  );

  it('nothing in the notebooks or the packages links to a moving branch', () => {
    const moving = /github\.com\/[\w.-]+\/[\w.-]+\/(blob|tree)\/(main|master|v\d+\.x)\//;
    const offenders: string[] = [];
    for (const s of CASE_STUDIES) if (moving.test(notebookSources(s.notebook))) offenders.push(s.notebook);
    for (const pkg of fs.readdirSync(path.join(repo, 'packages'))) {
      const src = path.join(repo, 'packages', pkg, 'src');
      if (!fs.existsSync(src)) continue;
      for (const f of fs.readdirSync(src, { recursive: true }) as string[]) {
        const file = path.join(src, f);
        if (fs.statSync(file).isFile() && moving.test(fs.readFileSync(file, 'utf8'))) offenders.push(file);
      }
    }
    expect(offenders).toEqual([]);
  });
});
