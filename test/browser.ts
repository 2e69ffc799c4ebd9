import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/**
 * What the browser tests share: the machine's Chromium (Debian's `chromium`, which bootstrap installs as root; never
 * a browser build downloaded by Playwright, which this project's machines cannot fetch), launched headless through
 * playwright-core, and a static file server on loopback that serves a built site as any static host would.
 */

/** Debian's and Ubuntu's Chromium binaries, in the order tried; `$CASEBOOK_CHROMIUM` names another one. */
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
const CHROMIUM_ENV = 'CASEBOOK_CHROMIUM';

export type ChromiumLookup = { path: string; reason: null } | { path: null; reason: string };

/** The Chromium to drive, or why there is none (the browser tests then skip, saying so). */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const fromEnv = env[CHROMIUM_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    return fs.existsSync(fromEnv)
      ? { path: fromEnv, reason: null }
      : { path: null, reason: `$${CHROMIUM_ENV}=${fromEnv} does not exist` };
  }
  const found = CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
  if (found !== undefined) return { path: found, reason: null };
  return {
    path: null,
    reason:
      `no Chromium at ${CHROMIUM_CANDIDATES.join(' or ')} (as root on Debian/Ubuntu \`npm run bootstrap\` installs ` +
      `the package chromium; elsewhere install it, or set $${CHROMIUM_ENV} to a Chromium binary)`,
  };
}

/**
 * Chromium's own background traffic (component updates, sync, safe browsing, QUIC probes) is refused on a machine
 * without internet and only adds noise and delay: these flags turn it off. The sandbox needs user namespaces that a
 * root session in a container does not have.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  origin: string;
  close(): Promise<void>;
}

/**
 * Serves `root` read-only on 127.0.0.1 (an ephemeral port): GET and HEAD of files only, a folder's index.html, 404
 * for anything else (including a path that leaves `root`). Like GitHub Pages, no server code.
 */
export function serveStatic(root: string): Promise<StaticServer> {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let file = path.resolve(base, `.${decodeURIComponent(url.pathname)}`);
    if (file !== base && !file.startsWith(`${base}${path.sep}`)) file = '';
    if (file !== '' && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if ((req.method !== 'GET' && req.method !== 'HEAD') || file === '' || !fs.existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`static server: unexpected address ${String(address)}`));
        return;
      }
      resolve({
        origin: `http://127.0.0.1:${address.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
