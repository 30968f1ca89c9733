// The live course site: a small HTTP server on 127.0.0.1 that renders each
// page from the files on disk, so new lessons and fresh grades appear on reload.
import { statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSite, notFoundFor, type BuiltSite, type SiteSource } from './site.ts';
import { escapeHtml } from './html.ts';

export interface SiteServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  source: () => SiteSource;
  /** 0 (the default) picks any free port. */
  port?: number;
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
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export function startSiteServer(opts: ServeOptions): Promise<SiteServer> {
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
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'only GET and HEAD\n');
    // Only our own origin: a web page elsewhere must not read lab files through DNS rebinding.
    const port = (server.address() as AddressInfo).port;
    if (req.headers.host !== `${HOST}:${port}` && req.headers.host !== `localhost:${port}`) {
      return send(421, 'text/plain; charset=utf-8', 'wrong Host header\n');
    }
    let key: string;
    try {
      key = decodeURIComponent(new URL(req.url ?? '/', `http://${HOST}`).pathname).replace(/^\/+/, '');
    } catch {
      return send(400, 'text/plain; charset=utf-8', 'bad URL\n');
    }
    if (key === '' || key.endsWith('/')) key += 'index.html';
    if (key === 'favicon.ico') key = 'assets/favicon.svg';
    try {
      const src = opts.source();
      const page = current(src).pages.get(key);
      if (page) return send(200, page.type, page.body);
      return send(404, 'text/html; charset=utf-8', notFoundFor(src));
    } catch (e) {
      const msg = (e as Error).stack ?? String(e);
      return send(500, 'text/html; charset=utf-8', `<!doctype html><meta charset="utf-8"><title>Site error</title><h1>The course site could not render this page</h1><pre>${escapeHtml(msg)}</pre>`);
    }
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${HOST}:${port}/`,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections(); // keep-alive sockets would hold close() open
          }),
      });
    });
  });
}
