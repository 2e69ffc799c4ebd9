import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The site's static assets: one stylesheet, two small scripts, and the vega, vega-lite and vega-embed browser bundles
 * copied from node_modules (no CDN: the site must work offline and show the versions the charts were made with).
 */

/**
 * Browser bundles copied into assets/, in load order (vega-lite and vega-embed need the global `vega`). Each is
 * found from its package's main module, resolved with literal names so dependency checks (knip) see the use; the
 * bundle is the package's `unpkg` entry, its UMD build.
 */
const VENDOR: readonly { name: string; resolve: () => string }[] = [
  { name: 'vega', resolve: () => require.resolve('vega') },
  { name: 'vega-lite', resolve: () => require.resolve('vega-lite') },
  { name: 'vega-embed', resolve: () => require.resolve('vega-embed') },
];

/**
 * The folder of the package `name` that holds `file`: `…/node_modules/<name>`. Not the nearest package.json named
 * `name`: vega-lite ships a copy of its package.json in build/.
 */
function packageDirOf(name: string, file: string): string {
  const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
  const at = file.lastIndexOf(marker);
  if (at === -1) throw new Error(`${file}: not inside node_modules${path.sep}${name}`);
  return file.slice(0, at + marker.length - 1);
}

/** Copy each vendor bundle to `<assetsDir>/<package>.min.js`; a missing package is an error that says how to fix it. */
export function copyVendorBundles(assetsDir: string): string[] {
  return VENDOR.map(({ name, resolve }) => {
    let main: string;
    try {
      main = resolve();
    } catch (error) {
      // Not a CASEBOOK_* code: a missing dependency is a broken install, not bad input or a bad record.
      throw new Error(
        `${name}: not installed (the site copies its browser bundle); run \`npm install\` at the repository root`,
        {
          cause: error,
        },
      );
    }
    const dir = packageDirOf(name, main);
    const pkg: unknown = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    const entry = typeof pkg === 'object' && pkg !== null && 'unpkg' in pkg ? pkg.unpkg : undefined;
    if (typeof entry !== 'string')
      throw new Error(`${dir}/package.json: no "unpkg" entry naming ${name}'s browser bundle`);
    const to = path.join(assetsDir, `${name}.min.js`);
    fs.copyFileSync(path.join(dir, entry), to);
    return to;
  });
}

/** assets/charts.js: embed each chart's vega-lite spec; show the committed PNG when vega-embed is absent or fails. */
export const CHARTS_SCRIPT = `// Renders each [data-spec] view with vega-embed; falls back to the committed PNG when it cannot.
(function () {
  'use strict';
  function fallback(view, error) {
    view.textContent = '';
    view.setAttribute('data-fallback', 'png');
    var png = view.getAttribute('data-png');
    if (png) {
      var img = document.createElement('img');
      img.src = png;
      img.alt = view.getAttribute('data-alt') || '';
      view.appendChild(img);
    }
    if (error && window.console) console.warn('chart shown as PNG:', error);
  }
  Array.prototype.forEach.call(document.querySelectorAll('.chart-view'), function (view) {
    var source = document.getElementById(view.getAttribute('data-spec') || '');
    if (!source || typeof window.vegaEmbed !== 'function') return fallback(view, null);
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (e) {
      return fallback(view, e);
    }
    window
      .vegaEmbed(view, spec, { renderer: 'svg', actions: { export: true, source: true, compiled: false, editor: false } })
      .catch(function (e) { fallback(view, e); });
  });
})();
`;

/** assets/site.css: small, readable, no framework. */
export const SITE_CSS = `:root { color-scheme: light dark; --muted: #666; --line: #ccc; --bad: #b00020; --good: #1b7f3b; }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; padding: 0 1rem 3rem; max-width: 78rem; }
header { padding: .6rem 0; border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
h1 code, h2 code { font-size: .8em; color: var(--muted); }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
table.measurements td:nth-child(n+4) { text-align: right; font-variant-numeric: tabular-nums; }
tr.superseded, tr.superseded a { color: var(--muted); }
.superseded-note { font-size: .8rem; color: var(--muted); max-width: 40rem; }
.superseded-banner, .warning { border-left: 4px solid var(--bad); padding: .4rem .8rem; }
.outcome-holds { color: var(--good); }
.outcome-fails { color: var(--bad); }
tr.different td { font-weight: 600; }
.claim-text { font-size: .85rem; max-width: 36rem; }
.ci, .note, figcaption { color: var(--muted); font-size: .85rem; }
ul.evidence { margin: .2rem 0; padding-left: 1rem; font-size: .8rem; }
ul.evidence .k { color: var(--muted); }
figure.chart { margin: 1rem 0 2rem; }
figure.chart img { max-width: 100%; }
pre, textarea.cite-markdown { width: 100%; box-sizing: border-box; font: .85rem/1.4 ui-monospace, monospace; overflow-x: auto; }
form.pick label { margin-right: 1rem; }
`;
