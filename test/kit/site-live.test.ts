// Grading from the course site, in headless Chromium: the Grade button runs the
// real grader and the page shows the new grade (with a wire picture of every
// failing conversation) without a reload; saving a lab file grades it again and
// every open page hears of it; and nothing without the token npm start prints,
// or from another site's page, gets an answer, let alone a grade.
//
// What is graded is a copy of the UDP echo lab in a temporary folder (a server
// with a bug, the untouched starter client), never labs/.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { labs } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { loadGrades } from '../../lib/grader/store.ts';
import { kitSource } from '../../lib/site/source.ts';
import { startSiteServer, type SiteServer } from '../../lib/site/server.ts';
import { FolderWatch } from '../../lib/tools/folder-watch.ts';

const FIXTURE = kitPath('test', 'fixtures', 'site', 'live');
const SHOTS = path.join(os.tmpdir(), 'socket-kit-site-live-screenshots');
/** A grade of the lab runs its real tests: seconds on a quiet machine, more on a loaded one. */
const GRADE_MS = 60_000;

const lab = labs().find((l) => l.slug.endsWith('-udp-echo'))!;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-site-live-'));
const target = path.join(tmp, 'labs');
const labDir = path.join(target, lab.slug);

let savedState: string | undefined;
let site: SiteServer;
let browser: BrowserContext;

beforeAll(async () => {
  savedState = process.env.SOCKET_KIT_STATE;
  process.env.SOCKET_KIT_STATE = path.join(tmp, 'state');
  mkdirSync(labDir, { recursive: true });
  copyFileSync(path.join(FIXTURE, 'server-wrong.ts'), path.join(labDir, 'server.ts'));
  copyFileSync(kitPath('labs', lab.slug, 'client.ts'), path.join(labDir, 'client.ts'));
  site = await startSiteServer({
    source: () => kitSource(true),
    grading: { target, labs, save: true, pollMs: 250, debounceMs: 100 },
  });
  browser = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
    timeout: 15_000,
  });
  browser.setDefaultTimeout(15_000); // a loaded machine (CI, four graders at once) is slow, not broken
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (savedState === undefined) delete process.env.SOCKET_KIT_STATE;
  else process.env.SOCKET_KIT_STATE = savedState;
  rmSync(tmp, { recursive: true, force: true });
});

/** A request made the way a script or another program would: no cookie, headers as given. */
function request(pathAndQuery: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: site.port, path: pathAndQuery, method: opts.method ?? 'GET', headers: opts.headers, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      // An event stream never ends by itself: its status is the answer.
      if (res.headers['content-type']?.startsWith('text/event-stream')) {
        resolve({ status: res.statusCode ?? 0, body: '' });
        req.destroy();
      }
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end();
  });
}

/** A lab page opened with the printed link, as a student does. */
async function openLab(): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(site.url);
  await page.goto(`${site.origin}${lab.slug}.html#last-grade`);
  // Marks this page's life: a reload would lose it.
  await page.evaluate(() => ((window as unknown as { unreloaded: boolean }).unreloaded = true));
  (page as Page & { errors: string[] }).errors = errors;
  return page;
}

const unreloaded = (page: Page) => page.evaluate(() => (window as unknown as { unreloaded?: boolean }).unreloaded === true);

describe('only the student can use the live site', () => {
  test('without the token, pages, the event stream and the grade endpoint answer 403; with it, they answer', async () => {
    const slug = lab.slug;
    expect((await request('/')).status).toBe(403);
    expect((await request('/')).body).toContain('npm start');
    expect((await request(`/${slug}.html`)).status).toBe(403);
    expect((await request('/api/events')).status).toBe(403);
    expect((await request(`/api/grade/${slug}`, { method: 'POST' })).status).toBe(403);
    expect((await request(`/api/grade/${slug}?token=not-the-token`, { method: 'POST' })).status).toBe(403);
    expect((await request(`/api/events?token=${site.token}`)).status).toBe(200);
    // The right token from the wrong place: another origin (even another port on this machine), or a rebound Host.
    expect((await request(`/api/grade/${slug}?token=${site.token}`, { method: 'POST', headers: { origin: 'http://127.0.0.1:1' } })).status).toBe(403);
    expect((await request(`/api/grade/${slug}?token=${site.token}`, { method: 'POST', headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await request(`/?token=${site.token}`, { headers: { host: 'evil.example' } })).status).toBe(421);
    expect((await request(`/api/grade/${slug}?token=${site.token}`)).status).toBe(405); // a link or an <img> cannot grade
    expect(site.grading!.busy).toEqual([]);
  });

  test("a form on another site's page that posts to the grade endpoint is refused, and nothing is graded", async () => {
    // The attacker's page, served from another port on this machine: the cookie is same-site here, so the Origin check must hold.
    const evil = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<form method="post" action="${site.origin}api/grade/${lab.slug}"></form><script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const page = await browser.newPage();
    try {
      await page.goto(site.url); // the student has the course open: its cookie is in this browser
      const answer = page.waitForResponse((r) => r.url().startsWith(`${site.origin}api/grade/`));
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`);
      expect((await answer).status()).toBe(403);
      expect(site.grading!.busy).toEqual([]);
    } finally {
      await page.close();
      evil.close();
    }
  });
});

describe('grading from the page', () => {
  test('the Grade button grades the lab, and the page shows the new grade with wire pictures of the failures, without a reload', async () => {
    const page = await openLab();
    const before = await page.locator('#last-grade svg').count();
    expect(await page.locator('#last-grade').innerText()).toContain('Not graded yet');
    const button = page.locator('#last-grade').getByRole('button', { name: 'Grade now' });
    expect(await page.locator('.status').getByRole('button', { name: 'Grade now' }).isVisible()).toBe(true); // one at the top of the page too
    await button.click();
    await page.locator('#last-grade .grade-summary .badge').waitFor({ timeout: GRADE_MS });
    expect(await unreloaded(page)).toBe(true);
    const badge = await page.locator('#last-grade .badge').innerText();
    expect(badge).toMatch(/^\d+\/16$/);
    expect(badge).not.toBe('16/16');
    // One picture per failing test whose conversation the test recorded: more figures than before.
    const pictures = page.locator('#last-grade figure.wire svg[role="img"]');
    expect(await pictures.count()).toBeGreaterThan(before);
    const first = page.locator('#last-grade details.failure').filter({ has: page.locator('figure.wire') }).first();
    const svg = first.locator('svg');
    expect(await svg.locator('.w-expected').count()).toBe(1); // what was expected, beside…
    expect(await svg.locator('.w-label.w-bad').count()).toBeGreaterThan(0); // …what came
    expect(await svg.locator('text', { hasText: /"HELLO, DATAGRAM"/ }).count()).toBe(1); // the bytes that came, as they came
    // Its text alternative is the transcript itself.
    const describedBy = await svg.getAttribute('aria-describedby');
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toContain('S: "HELLO, DATAGRAM"');
    // The badge at the top of the page was updated too, and the grade was remembered.
    expect(await page.locator('.status .badge').innerText()).toBe(badge);
    expect(loadGrades()[lab.slug]?.tests.some((t) => t.wire)).toBe(true);
    expect((page as Page & { errors: string[] }).errors).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'live-graded.png'), fullPage: true, timeout: 20_000 });
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true); // the pictures scroll inside their frames
    await page.locator('#last-grade figure.wire').first().screenshot({ path: path.join(SHOTS, 'live-wire-phone.png'), timeout: 20_000 });
    await page.close();
  }, GRADE_MS + 30_000);

  test('a second request while a lab is grading joins the running grade', async () => {
    const post = () => request(`/api/grade/${lab.slug}?token=${site.token}`, { method: 'POST' });
    const first = await post();
    const second = await post();
    expect([first.status, second.status]).toEqual([202, 202]);
    expect([JSON.parse(first.body).state, JSON.parse(second.body).state]).toEqual(['started', 'joined']);
    expect(site.grading!.busy).toEqual([lab.slug]);
    await idle();
  }, GRADE_MS + 30_000);

  test('saving a file of the lab grades it again; the lab page and the dashboard show the new grade without a reload', async () => {
    const page = await openLab();
    const dashboard = await browser.newPage();
    await dashboard.goto(site.origin);
    await dashboard.evaluate(() => ((window as unknown as { unreloaded: boolean }).unreloaded = true));
    const card = dashboard.locator(`.lab-card[data-lab="${lab.slug}"] .badge`);
    const was = await page.locator('.status .badge').innerText(); // "not graded yet" when this test runs alone
    expect(await card.innerText()).toBe(was);
    // Events reach the pages before the save (the stream is open): then the student fixes the bug.
    await page.waitForFunction(() => document.querySelector('button.grade-now') && !(document.querySelector('button.grade-now') as HTMLButtonElement).hidden);
    writeFileSync(path.join(labDir, 'server.ts'), readFixture('server-right.ts'));
    await page.waitForFunction((old) => {
      const b = document.querySelector('#last-grade .grade-summary .badge');
      return b && b.textContent !== old;
    }, was, { timeout: GRADE_MS });
    const now = await page.locator('#last-grade .grade-summary .badge').innerText();
    expect(now).toMatch(/^\d+\/16$/);
    if (/^\d/.test(was)) expect(Number(now.split('/')[0])).toBeGreaterThan(Number(was.split('/')[0]));
    expect(await unreloaded(page)).toBe(true);
    await dashboard.waitForFunction(([slug, text]) => document.querySelector(`.lab-card[data-lab="${slug}"] .badge`)?.textContent === text, [lab.slug, now] as const, { timeout: 20_000 });
    expect(await unreloaded(dashboard)).toBe(true);
    await dashboard.screenshot({ path: path.join(SHOTS, 'live-dashboard.png'), timeout: 20_000 });
    await Promise.all([page.close(), dashboard.close()]);
  }, GRADE_MS + 30_000);
});

describe('noticing a save', () => {
  test('with fs.watch blind (WSL drives, network file systems), the stat poll alone notices a save, once', async () => {
    const dir = path.join(tmp, 'polled');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'server.ts'), 'one');
    let changes = 0;
    const w = new FolderWatch(dir, () => changes++, { fsWatch: false, pollMs: 50, debounceMs: 50 });
    try {
      expect(w.fsWatchLive).toBe(false);
      writeFileSync(path.join(dir, 'server.ts'), 'two, longer');
      writeFileSync(path.join(dir, '.server.ts.swp'), 'an editor dropping'); // not the student's code
      const deadline = Date.now() + 10_000;
      while (changes === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300));
      expect(changes).toBe(1);
    } finally {
      w.close();
    }
  });
});

/** Resolves once no lab is grading; fails after GRADE_MS. */
async function idle(): Promise<void> {
  const deadline = Date.now() + GRADE_MS;
  while (site.grading!.busy.length) {
    if (Date.now() > deadline) throw new Error(`still grading ${site.grading!.busy} after ${GRADE_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readFixture(name: string): string {
  return readFileSync(path.join(FIXTURE, name), 'utf8');
}
