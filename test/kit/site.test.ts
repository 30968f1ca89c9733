// The course site, as a student's browser sees it: served on loopback by the
// same code as `npm start`, opened in headless Chromium. Grades come from a
// grades file in a temporary state dir (SOCKET_KIT_STATE), not a real run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { labs, type Course } from '../../lib/course.ts';
import { kitPath } from '../../lib/paths.ts';
import { loadGrades } from '../../lib/grader/store.ts';
import { fullMarks, type LabResult } from '../../lib/grader/results.ts';
import { buildSite, type SiteSource } from '../../lib/site/site.ts';
import { kitSource } from '../../lib/site/source.ts';
import { startSiteServer, type SiteServer } from '../../lib/site/server.ts';
import { SiteBuildError, writeStaticSite } from '../../lib/site/build.ts';

const FIXTURES = kitPath('test', 'fixtures', 'site');
/** Screenshots land here for a person to look at; the path is printed. */
const SHOTS = path.join(os.tmpdir(), 'socket-kit-site-screenshots');
const LOAD_MS = 5_000;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-site-test-'));
const stateDir = path.join(tmp, 'state');

/** A grading run's result, as lib/grader would remember it. The failure carries markup that must stay text. */
const graded = (slug: string, title: string): LabResult => ({
  slug,
  title,
  target: kitPath('labs'),
  gradedAt: '2026-11-23T02:00:00.000Z',
  tests: [
    { name: 'echoes a datagram byte for byte', points: 2, passed: true, ms: 40 },
    {
      name: 'echoes <b>binary</b> data',
      points: 1,
      passed: false,
      ms: 2000,
      message: 'no echo within 2 s.\n  C: <script id="injected-grade">document.title="pwned"</script>\n  S: (nothing)   <- expected the same bytes back\n\nHint 1 of 5: send it back to rinfo.port and rinfo.address, whoever sent it; this hint is long enough to run off a phone screen unless it wraps.',
    },
    { name: 'client retries after a lost datagram', points: 2, passed: false, ms: 900, message: 'the client printed nothing:\n    | Error: TODO' },
  ],
});

function fixtureSource(name: string, live: boolean): SiteSource {
  const root = path.join(FIXTURES, name);
  const c = JSON.parse(readFileSync(path.join(root, 'course.json'), 'utf8')) as Course;
  const grades = live ? loadGrades() : {};
  return {
    title: c.title,
    root,
    live,
    rows: c.labs.map((lab) => {
      const file = path.join(root, 'lessons', `${lab.slug}.md`);
      const last = grades[lab.slug];
      return { lab, lesson: existsSync(file) ? file : null, last, done: !!last && fullMarks(last) };
    }),
  };
}

let savedState: string | undefined;
let kit: SiteServer;
let fixture: SiteServer;
let browser: BrowserContext;

beforeAll(async () => {
  savedState = process.env.SOCKET_KIT_STATE;
  process.env.SOCKET_KIT_STATE = stateDir;
  mkdirSync(stateDir, { recursive: true });
  const first = labs()[0]!;
  writeFileSync(
    path.join(stateDir, 'grades.json'),
    JSON.stringify({ [first.slug]: graded(first.slug, first.title), '01-alpha': graded('01-alpha', 'Alpha') }),
  );
  [kit, fixture] = await Promise.all([
    startSiteServer({ source: () => kitSource(true) }),
    startSiteServer({ source: () => fixtureSource('good', true) }),
  ]);
  browser = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
    timeout: 15_000,
  });
  browser.setDefaultTimeout(LOAD_MS);
  // The student opens the links the servers print (token included); the browser remembers them in a cookie.
  const opener = await browser.newPage();
  // The first page builds the whole site (every lesson, every diagram): a setup step, given room on a loaded machine.
  for (const s of [kit, fixture]) await opener.goto(s.url, { timeout: 6 * LOAD_MS });
  await opener.close();
  rmSync(SHOTS, { recursive: true, force: true });
  mkdirSync(SHOTS, { recursive: true });
}, 90_000); // launching Chromium and building the whole site, on a loaded machine

afterAll(async () => {
  await browser?.close();
  await Promise.all([kit?.close(), fixture?.close()]);
  if (savedState === undefined) delete process.env.SOCKET_KIT_STATE;
  else process.env.SOCKET_KIT_STATE = savedState;
  rmSync(tmp, { recursive: true, force: true });
});

/** Closed with the browser in afterAll. */
const newPage = (): Promise<Page> => browser.newPage();

/**
 * Visit every page reachable from the home page, two tabs at a time. Reports
 * console errors, script errors, failed or non-loopback requests, HTTP
 * errors, unhighlighted code, and links (anchors included) that lead nowhere.
 */
async function crawl(base: string, openFiles: boolean): Promise<{ visited: string[]; problems: string[] }> {
  const problems: string[] = [];
  const ids = new Map<string, Set<string>>();
  const anchors: { from: string; url: string; id: string }[] = [];
  const queue = [base];
  const seen = new Set(queue);
  let busy = 0;

  async function visit(page: Page, url: string): Promise<void> {
    // Kit files share one template: their links must resolve, but opening each one would only repeat the fixture's check.
    if (!/\.html$|\/$/.test(url) || (!openFiles && url.startsWith(`${base}files/`))) {
      const res = await browser.request.get(url, { timeout: LOAD_MS });
      if (!res.ok()) problems.push(`link to ${url.slice(base.length)}: HTTP ${res.status()}`);
      return;
    }
    await page.goto(url, { waitUntil: 'load', timeout: LOAD_MS });
    ids.set(url, new Set(await page.$$eval('[id]', (els) => els.map((e) => e.id))));
    const plain = await page.$$eval('figure[data-lang="typescript"] code, figure[data-lang="c"] code', (codes) =>
      codes.filter((c) => !c.querySelector('[class^="hljs-"]')).map((c) => c.textContent?.slice(0, 50)),
    );
    for (const code of plain) problems.push(`${url.slice(base.length)}: a code block is not highlighted: ${code}…`);
    const hrefs = await page.$$eval('a[href], link[href]', (els) => els.map((e) => (e as HTMLAnchorElement).href));
    for (const href of hrefs) {
      if (!href.startsWith(base)) continue; // RFCs and man pages: not ours to check offline
      const [target, id] = href.split('#') as [string, string | undefined];
      if (id) anchors.push({ from: url, url: target, id: decodeURIComponent(id) });
      if (!seen.has(target)) {
        seen.add(target);
        queue.push(target);
      }
    }
  }

  async function worker(): Promise<void> {
    const page = await newPage();
    const where = () => page.url().slice(base.length) || '/';
    page.on('console', (m) => m.type() === 'error' && problems.push(`${where()}: console error: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`${where()}: script error: ${e.message}`));
    page.on('request', (r) => !r.url().startsWith(base) && !r.url().startsWith('data:') && problems.push(`${where()}: request outside the site: ${r.url()}`));
    page.on('requestfailed', (r) => problems.push(`${where()}: request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`${where()}: HTTP ${r.status()} for ${r.url()}`));
    for (;;) {
      const url = queue.shift();
      if (url === undefined) {
        if (busy === 0) break;
        await new Promise((r) => setTimeout(r, 10)); // another tab may still find links
        continue;
      }
      busy++;
      try {
        await visit(page, url);
      } finally {
        busy--;
      }
    }
    await page.close();
  }

  await Promise.all([worker(), worker()]);
  for (const a of anchors) {
    if (!ids.get(a.url)?.has(a.id)) problems.push(`${a.from.slice(base.length)}: link to ${a.url.slice(base.length)}#${a.id}: no element with that id`);
  }
  return { visited: [...ids.keys()].map((u) => u.slice(base.length)), problems };
}

describe('the course site', () => {
  test("the kit's lessons have no broken links (a missing lesson is shown as coming)", () => {
    const { problems } = buildSite(kitSource(false));
    expect(problems.filter((p) => p.kind === 'link').map((p) => p.message)).toEqual([]);
  });

  test('every page loads in Chromium without console errors or failed requests, its code is highlighted, and every internal link resolves', async () => {
    const [ofKit, ofFixture] = await Promise.all([crawl(kit.origin, false), crawl(fixture.origin, true)]);
    expect(ofKit.problems).toEqual([]);
    expect(ofKit.visited).toEqual(expect.arrayContaining(['', ...labs().map((l) => `${l.slug}.html`)]));
    expect(ofFixture.problems).toEqual([]);
    expect(ofFixture.visited).toEqual(expect.arrayContaining(['01-alpha.html', '02-beta.html', '03-gamma.html', 'files/labs/01-alpha/server.ts.html']));
  });

  test('code blocks are highlighted; transcripts, diagrams and RFC links are drawn; lesson HTML stays text', async () => {
    const page = await newPage();
    await page.goto(`${fixture.origin}01-alpha.html`);
    expect(await page.locator('figure[data-lang="typescript"] .hljs-keyword').count()).toBeGreaterThan(0);
    expect(await page.locator('figure[data-lang="c"] .hljs-type').count()).toBeGreaterThan(0);
    expect(await page.locator('.transcript pre .tl-c').count()).toBe(2);
    expect(await page.locator('.transcript pre .tl-s').count()).toBe(2);
    expect(await page.locator('.transcript pre').innerText()).toContain('C: <b>not bold</b>');
    expect(await page.locator('figure.diagram svg[role="img"]').count()).toBe(1);
    expect(await page.locator('a.rfc', { hasText: 'RFC 1939 section 4' }).getAttribute('href')).toBe('https://datatracker.ietf.org/doc/html/rfc1939#section-4');
    expect(await page.locator('a.kit-file code').allInnerTexts()).toEqual(['labs/01-alpha/server.ts']); // notes.ts does not exist yet
    expect(await page.locator('#injected').count()).toBe(0);
    expect(await page.title()).not.toContain('pwned');
    // One heading style, from course.json, whatever the lesson's first line says; the tab title says it once.
    expect(await page.locator('h1').innerText()).toBe('Alpha <echo> & friends');
    expect(await page.title()).toBe('01 · Alpha <echo> & friends · Fixture Kit');
    expect(await page.locator('.toc a').allInnerTexts()).toEqual(['The Node version', 'Why a chunk is not a line', 'The C version', 'A transcript', 'Your task', 'Your last grade']);
    expect(await page.locator('#task .cmd code').innerText()).toBe('npm run grade -- 01');
    expect(await page.locator('#task').innerText()).toContain('A server that echoes each line, <b>escaped</b> & shown as text.');
    await page.goto(`${fixture.origin}02-beta.html`);
    expect(await page.locator('figure.diagram svg').count()).toBe(2);
    await page.goto(`${fixture.origin}03-gamma.html`);
    expect(await page.locator('main').innerText()).toContain('The lesson for this lab is being written');
  });

  test('lessons: answers fold until opened, side-by-side transcripts never cut off, conversations drawn from ```wire blocks and .wire files', async () => {
    const page = await newPage();
    await page.goto(`${fixture.origin}02-beta.html`);
    const answers = page.locator('article details.answer');
    expect(await answers.count()).toBe(3); // two "> Answer:" quotes, one <details> block (folded on GitHub too)
    expect(await answers.first().getAttribute('open')).toBeNull();
    expect(await answers.first().locator('p').isVisible()).toBe(false);
    await answers.first().locator('summary').click();
    expect(await answers.first().locator('p').innerText()).toBe('AUTHORIZATION, until USER and PASS (or APOP) succeed.');
    expect(await answers.nth(1).innerText()).not.toContain('Answer:');
    expect(await answers.nth(2).locator('p').isVisible()).toBe(false);
    await answers.nth(2).locator('summary').click();
    expect(await answers.nth(2).locator('p').innerText()).toBe('That the command worked; the rest of the line is for humans here too.');
    const pair = page.locator('.transcript-pair figure');
    expect(await pair.locator('figcaption .tcap').allInnerTexts()).toEqual(['POP3 (status tokens)', 'FTP (codes)']);
    expect(await pair.nth(1).locator('pre .tl-s').first().innerText()).toBe('S: 220 ready');
    const wires = page.locator('article figure.wire');
    expect(await wires.count()).toBe(2);
    const drawn = wires.first();
    expect(await drawn.locator('figcaption').innerText()).toBe('A login refused <by design>');
    expect(await drawn.locator('.w-expected').textContent()).toContain('expected +OK');
    expect(await drawn.locator('.w-label.w-bad').textContent()).toContain('-ERR no such mailbox');
    expect(await drawn.locator('text', { hasText: 'USER alice' }).locator('.w-crlf').textContent()).toBe('\\r\\n');
    const alt = page.locator(`[id="${await drawn.locator('svg').getAttribute('aria-describedby')}"]`);
    expect(await alt.textContent()).toContain('C: USER alice');
    expect(await wires.nth(1).locator('.w-close-fin').count()).toBe(2); // the teardown: a FIN each way
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const [left, right] = await pair.evaluateAll((els) => els.map((e) => e.getBoundingClientRect()));
    expect(right!.top).toBeGreaterThanOrEqual(left!.bottom); // stacked on a phone
    await page.locator('.transcript-pair').screenshot({ path: path.join(SHOTS, 'transcript-pair-phone.png') });
  });

  test("no tab title or heading says a lab's number or name twice", async () => {
    const page = await newPage();
    for (const lab of labs().filter((l) => existsSync(kitPath('lessons', `${l.slug}.md`)))) {
      await page.goto(`${kit.origin}${lab.slug}.html`);
      expect(await page.title()).toBe(`${lab.slug.slice(0, 2)} · ${lab.title} · Socket Kit`);
      expect(await page.locator('h1').allInnerTexts()).toEqual([lab.title]);
    }
  });

  test('after a grading run the dashboard shows each grade and the next step, and the lab page shows the report', async () => {
    const first = labs()[0]!;
    const n = first.slug.slice(0, 2);
    const page = await newPage();
    await page.goto(kit.origin);
    const card = page.locator('.lab-card').first();
    expect(await card.locator('h3').innerText()).toContain(first.title);
    expect(await card.locator('.badge').innerText()).toBe('2/5');
    expect(await page.locator('.lab-card').nth(1).locator('.badge').innerText()).toBe('not graded yet');
    const next = page.locator('section.next-step');
    expect(await next.locator('h2').innerText()).toBe(`Your next step: lab ${n}, ${first.title}`);
    expect(await next.innerText()).toContain(`npm run grade -- ${n}`);
    await page.screenshot({ path: path.join(SHOTS, 'dashboard.png') });

    await page.goto(`${kit.origin}${first.slug}.html#last-grade`);
    const report = page.locator('#last-grade');
    const rows = await report.locator('tbody tr').allInnerTexts();
    expect(rows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
      'echoes a datagram byte for byte 2/2 ✓ passed',
      'echoes <b>binary</b> data 0/1 ✗ failed',
      'client retries after a lost datagram 0/2 ✗ failed',
    ]);
    const failure = report.locator('details.failure').first();
    expect(await failure.locator(':scope > summary').innerText()).toContain('echoes <b>binary</b> data');
    // A grade saved without its wire (an older one) is drawn from its transcript; its text stays text.
    const svg = failure.locator('figure.wire svg[role="img"]');
    expect(await svg.count()).toBe(1);
    expect(await svg.locator('text', { hasText: '<script id="injected-grade">' }).count()).toBe(1);
    expect(await svg.locator('.w-label.w-bad', { hasText: 'nothing came back' }).count()).toBe(1);
    expect(await svg.locator('.w-expected').textContent()).toContain('expected the same bytes back');
    const text = failure.locator(`[id="${await svg.getAttribute('aria-describedby')}"]`);
    expect(await text.textContent()).toBe('C: <script id="injected-grade">document.title="pwned"</script>   <- expected the same bytes back');
    expect(await failure.locator('p.hint').innerText()).toContain('Hint 1 of 5');
    // A failure with no conversation (a crash) is words and program output, no picture.
    const crash = report.locator('details.failure').nth(1);
    expect(await crash.locator('svg').count()).toBe(0);
    expect(await crash.locator('pre.output').innerText()).toContain('| Error: TODO');
    expect(await page.locator('#injected-grade').count()).toBe(0);
    expect(await page.title()).not.toContain('pwned');
  });

  test('works with the keyboard, on a phone, in dark mode and on paper', async () => {
    const page = await newPage();
    await page.goto(`${fixture.origin}01-alpha.html`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('skip');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('content');
    await page.screenshot({ path: path.join(SHOTS, 'lesson-laptop.png') });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect(await page.locator('details.toc').getAttribute('open')).toBeNull(); // folded above the lesson
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(20, 23, 28)');
    await page.screenshot({ path: path.join(SHOTS, 'lesson-phone-dark.png') });

    await page.emulateMedia({ media: 'print', colorScheme: 'light' });
    expect(await page.locator('.toc-wrap').isVisible()).toBe(false);
    expect(await page.locator('.pager').isVisible()).toBe(false);
    expect(await page.locator('article').isVisible()).toBe(true);
  });

  test('a screenshot of a lesson page is produced', async () => {
    const page = await newPage();
    const real = labs().find((l) => existsSync(kitPath('lessons', `${l.slug}.md`)));
    await page.goto(real ? `${kit.origin}${real.slug}.html` : `${fixture.origin}01-alpha.html`);
    const shot = path.join(SHOTS, 'lesson.png');
    await page.screenshot({ path: shot });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    console.log(`lesson screenshots: ${SHOTS}/`);
  });

  test('listens on loopback only and answers only its own Host', async () => {
    expect(kit.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: kit.port, path: `/?token=${kit.token}`, headers: { host: 'evil.example' }, timeout: LOAD_MS }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
      req.on('error', reject);
    });
    expect(status).toBe(421);
  });
});

describe('the static build', () => {
  test('writes a copy whose every relative link and asset resolves on disk, without anyone’s grades; it opens from disk', async () => {
    const src = fixtureSource('good', false);
    const out = path.join(tmp, 'dist');
    writeStaticSite(out, { ...src, rows: src.rows.filter((r) => r.lesson) });
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const pages = files(out).filter((f) => f.endsWith('.html'));
    expect(pages.map((p) => path.relative(out, p)).sort()).toEqual(
      ['01-alpha.html', '02-beta.html', '404.html', 'files/labs/01-alpha/server.ts.html', 'files/labs/02-beta/server.ts.html', 'index.html'],
    );
    const broken: string[] = [];
    for (const p of pages) {
      const body = readFileSync(p, 'utf8');
      expect(body).not.toContain('2/5');
      for (const [, ref] of body.matchAll(/(?:href|src)="([^"#]+)(?:#[^"]*)?"/g)) {
        if (/^(https?:|mailto:)/.test(ref!)) continue;
        if (!existsSync(path.resolve(path.dirname(p), decodeURIComponent(ref!)))) broken.push(`${path.relative(out, p)} → ${ref}`);
      }
    }
    expect(broken).toEqual([]);

    const page = await newPage();
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('requestfailed', (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`));
    await page.goto(`file://${out}/01-alpha.html`);
    expect(await page.locator('.task').evaluate((e) => getComputedStyle(e).borderLeftWidth)).toBe('5px'); // the stylesheet loaded
    await page.locator('a[rel="next"]').click();
    await page.waitForURL(/02-beta\.html$/, { timeout: LOAD_MS });
    expect(errors).toEqual([]);
  });

  test('fails with a clear message on a broken link or a lab whose lesson is missing', () => {
    const fail = (src: SiteSource) => {
      try {
        writeStaticSite(path.join(tmp, 'never'), src);
      } catch (e) {
        expect(e).toBeInstanceOf(SiteBuildError);
        return (e as Error).message;
      }
      throw new Error('the build succeeded');
    };
    const msg = fail(fixtureSource('broken', false));
    expect(msg).toContain("lessons/01-one.md: broken link 'the missing file' → '../labs/01-one/nope.ts': no such file labs/01-one/nope.ts");
    expect(msg).toContain("lessons/01-one.md: broken link '#nowhere': no heading with that id in this lesson");
    expect(msg).toContain('lessons/02-two.md is missing: course.json lists lab 02-two (Two) but its lesson is not written');
    expect(fail(fixtureSource('good', false))).toContain('lessons/03-gamma.md is missing');
    expect(existsSync(path.join(tmp, 'never'))).toBe(false);
  });
});

describe('npm start', () => {
  test('prints the course map, then serves the course and prints its URL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', kitPath('lib', 'cli', 'start.ts'), '--port', '0'], {
      cwd: kitPath(),
      env: { ...process.env, SOCKET_KIT_STATE: stateDir, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed within 60 s; output:\n${out}`)), 60_000);
        child.stdout!.on('data', () => {
          const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before printing a URL:\n${out}`)));
      });
      expect(out).toContain(`${labs()[0]!.slug.slice(0, 2)}  ${labs()[0]!.title}`);
      expect(out).toContain('2/5');
      // The printed link sets the cookie and sends the browser on to the page; without either, nothing.
      const origin = url.slice(0, url.indexOf('?'));
      expect((await fetch(origin, { signal: AbortSignal.timeout(LOAD_MS) })).status).toBe(403);
      const first = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(LOAD_MS) });
      expect(first.status).toBe(303);
      const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
      const res = await fetch(origin, { headers: { cookie }, signal: AbortSignal.timeout(LOAD_MS) });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain(labs()[0]!.title);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
