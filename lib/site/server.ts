// The live course site: a small HTTP server on 127.0.0.1 that renders each
// page from the files on disk, so new lessons and fresh grades appear on
// reload, and (with `grading`) grades labs for the pages and tells them.
//
// It runs the student's code on request, so only the student may ask: it
// listens on loopback only, answers only its own Host (no DNS rebinding),
// refuses requests another site's page makes (Origin, Sec-Fetch-Site), and
// wants the per-run token that `npm start` prints, as Jupyter does: in the
// URL (?token=…), remembered afterwards in a same-site cookie. Without it:
// 403, pages and events and the grade endpoint alike.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fullMarks } from '../grader/results.ts';
import { buildSite, notFoundFor, type BuiltSite, type SiteSource } from './site.ts';
import { LIVE_META } from './pages.ts';
import { escapeHtml } from './html.ts';
import { LiveGrading, type GradingOptions } from './live.ts';

export interface SiteServer {
  /** The address to open, token included: what `npm start` prints. */
  url: string;
  /** http://127.0.0.1:PORT/ */
  origin: string;
  port: number;
  token: string;
  /** Present when the server grades (npm start). */
  grading?: LiveGrading;
  close(): Promise<void>;
}

export interface ServeOptions {
  source: () => SiteSource;
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Grade from the page and on save. Without it the site only shows grades. */
  grading?: GradingOptions;
  /** The secret a request must carry; a fresh random one when absent. */
  token?: string;
}

const HOST = '127.0.0.1';
/** A file's version, cheap to read: rendering is only redone when one of these changes. */
const stamp = (file: string) => {
  try {
    const s = statSync(file);
    // A file written in the last two seconds may have changed while it was read: never trust its stamp.
    return Date.now() - s.mtimeMs < 2000 ? `fresh:${Math.random()}` : `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
};

const SECURITY_HEADERS = {
  // Everything is ours and local: a stray CDN reference would fail loudly in the browser.
  // No framing by other pages: a Grade button under someone else's overlay is a click they steal.
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};


const FORBIDDEN_PAGE = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Open the course with its link</title>
<body style="font:1.05rem/1.6 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem">
<h1>Open the course with the link npm start printed</h1>
<p>This course site runs your lab code when you grade, so it only answers the link that <code>npm start</code> printed in your terminal, the one that ends in <code>?token=…</code>. Copy that link into the address bar. (Each <code>npm start</code> makes a new one.)</p>`;

function sameSecret(given: string | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

export function startSiteServer(opts: ServeOptions): Promise<SiteServer> {
  const token = opts.token ?? randomBytes(18).toString('base64url');
  const grading = opts.grading ? new LiveGrading(opts.grading) : undefined;
  // Grades made here show at once, saved or not.
  const source = (): SiteSource => {
    const src = opts.source();
    if (!grading?.latest.size) return src;
    return { ...src, rows: src.rows.map((r) => { const last = grading.latest.get(r.lab.slug); return last ? { ...r, last, done: fullMarks(last) } : r; }) };
  };
  // The last rendering, kept while the course (grades included) and every file it was made from are unchanged.
  let built: { key: string; stamps: string[]; site: BuiltSite } | undefined;
  const current = (src: SiteSource) => {
    const key = JSON.stringify(src);
    if (!built || built.key !== key || built.site.inputs.some((f, i) => stamp(f) !== built!.stamps[i])) {
      const site = buildSite(src);
      built = { key, stamps: site.inputs.map(stamp), site };
    }
    return built.site;
  };

  const server = http.createServer((req, res) => {
    const send = (status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS, ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const text = (status: number, body: string) => send(status, 'text/plain; charset=utf-8', body + '\n');
    const port = (server.address() as AddressInfo).port;
    const origins = [`http://${HOST}:${port}`, `http://localhost:${port}`];
    // Only our own origin: a web page elsewhere must not read lab files through DNS rebinding.
    if (!origins.includes(`http://${req.headers.host}`)) return text(421, 'wrong Host header');
    // Another site's page may send requests here, but never with our cookie or token; say no early all the same.
    const origin = req.headers.origin;
    if ((origin !== undefined && !origins.includes(origin)) || req.headers['sec-fetch-site'] === 'cross-site') {
      return text(403, 'requests from other sites are refused');
    }
    let url: URL;
    let key: string;
    try {
      url = new URL(req.url ?? '/', `http://${HOST}`);
      key = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    } catch {
      return text(400, 'bad URL');
    }
    const jar = `socket_kit_${port}`; // cookies ignore ports: one name per server
    const inUrl = url.searchParams.get('token') ?? undefined;
    if (!sameSecret(inUrl, token) && !sameSecret(cookie(req.headers.cookie, jar), token)) {
      return key.startsWith('api/') ? text(403, 'no token: use the link npm start printed') : send(403, 'text/html; charset=utf-8', FORBIDDEN_PAGE);
    }
    const remember = { 'set-cookie': `${jar}=${token}; Path=/; HttpOnly; SameSite=Strict` };
    if (inUrl !== undefined && !key.startsWith('api/') && req.method === 'GET') {
      // Keep the token out of the address bar and history once the cookie holds it.
      url.searchParams.delete('token');
      return send(303, 'text/plain; charset=utf-8', 'see other\n', { ...remember, location: url.pathname + url.search + url.hash });
    }

    if (key.startsWith('api/')) return api(key.slice(4), req, res, text);
    if (req.method !== 'GET' && req.method !== 'HEAD') return text(405, 'only GET and HEAD');
    if (key === '' || key.endsWith('/')) key += 'index.html';
    if (key === 'favicon.ico') key = 'assets/favicon.svg';
    try {
      const src = source();
      const page = current(src).pages.get(key);
      if (page) {
        const body = grading && page.type.startsWith('text/html') ? String(page.body).replace(LIVE_META, `<meta name="socket-kit-live" content="${token}">`) : page.body;
        return send(200, page.type, body);
      }
      return send(404, 'text/html; charset=utf-8', notFoundFor(src));
    } catch (e) {
      const msg = (e as Error).stack ?? String(e);
      return send(500, 'text/html; charset=utf-8', `<!doctype html><meta charset="utf-8"><title>Site error</title><h1>The course site could not render this page</h1><pre>${escapeHtml(msg)}</pre>`);
    }
  });

  /** /api/events (the pages' SSE stream) and POST /api/grade/<slug>. */
  function api(path: string, req: http.IncomingMessage, res: http.ServerResponse, text: (s: number, b: string) => void): void {
    if (!grading) return text(404, 'this site does not grade');
    if (path === 'events') {
      if (req.method !== 'GET') return text(405, 'GET only');
      if (!grading.listen(res)) text(503, 'too many pages are listening');
      return;
    }
    const m = /^grade\/([\w-]+)$/.exec(path);
    if (m) {
      // A POST, so no link or image elsewhere can start a grade; with the token, so no form elsewhere can either.
      if (req.method !== 'POST') return text(405, 'POST only');
      req.resume();
      try {
        const state = grading.grade(m[1]!, 'button');
        res.writeHead(202, { 'content-type': 'application/json', ...SECURITY_HEADERS });
        res.end(JSON.stringify({ state }));
      } catch {
        text(404, `no lab ${m[1]}`);
      }
      return;
    }
    text(404, 'no such endpoint');
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const origin = `http://${HOST}:${port}/`;
      resolve({
        url: `${origin}?token=${token}`,
        origin,
        port,
        token,
        grading,
        close: async () => {
          const graded = grading?.close(); // hangs up the event streams, waits for a grade in progress
          await new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections(); // keep-alive sockets would hold close() open
          });
          await graded;
        },
      });
    });
  });
}
