// Grading from the course site: the Grade button, and a grade on every save
// while the course is open in a browser. Runs the same grader as
// `npm run grade` (runLabTests), one grade at a time per lab (a second request
// joins the running one; a save during a grade earns one more), and tells
// every open page what happens over server-sent events.
import type { ServerResponse } from 'node:http';
import { labDir, labTestPaths, type Lab } from '../course.ts';
import { runLabTests } from '../grader/run-tests.ts';
import { fullMarks, maxScore, score, type LabResult, type TestResult } from '../grader/results.ts';
import { saveGrades } from '../grader/store.ts';
import { FolderWatch } from '../tools/folder-watch.ts';
import { failureBlock, liveTestLine } from './grade-report.ts';

export interface GradingOptions {
  /** The folder holding one folder per lab: labs/ for `npm start`, a copy in tests. */
  target: string;
  /** The labs that can be graded, in course order. */
  labs: () => Lab[];
  /** Remember grades for the course map (the student's own labs/). */
  save: boolean;
  /** Stat-poll period: the safety net when fs.watch is blind (WSL drives, network file systems). */
  pollMs?: number;
  /** Quiet time after a change before grading (editors write in bursts). */
  debounceMs?: number;
  /** Set false to rely on polling alone. */
  fsWatch?: boolean;
}

/** What a lab's grade was asked for by: shown on the page ("graded after you saved server.ts"). */
export type Reason = 'button' | 'save';

/** Everything the pages hear, as one SSE event each. */
export type LiveEvent =
  | { type: 'grading'; slug: string; reason: Reason }
  | { type: 'test'; slug: string; n: number; test: TestResult }
  | { type: 'graded'; slug: string; score: number; max: number; full: boolean }
  | { type: 'grade-error'; slug: string; message: string };

/** The folder a lab's files are in, under the graded target. */

/** The most browser tabs listening at once; more are refused (a runaway page cannot pile up sockets). */
const MAX_CLIENTS = 32;
const KEEPALIVE_MS = 20_000;

export class LiveGrading {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly clients = new Set<ServerResponse>();
  /** Grades finished in this run, newest per lab: the pages show them even when they are not saved. */
  readonly latest = new Map<string, LabResult>();
  private watchers: FolderWatch[] = [];
  private keepalive: NodeJS.Timeout | undefined;
  private closed = false;
  /** Listens for each event (the CLI prints a line per grade). */
  onEvent?: (e: LiveEvent) => void;

  constructor(private readonly opts: GradingOptions) {}

  /** Labs being graded now. */
  get busy(): string[] {
    return [...this.running.keys()];
  }

  /** Grade a lab now, or join the grade already running. */
  grade(slug: string, reason: Reason): 'started' | 'joined' {
    if (this.running.has(slug)) return 'joined';
    const lab = this.opts.labs().find((l) => l.slug === slug);
    if (!lab) throw new Error(`no lab ${slug}`);
    const run = this.run(lab, reason).finally(() => {
      this.running.delete(slug);
      if (this.again.delete(slug) && !this.closed) this.grade(slug, 'save');
    });
    this.running.set(slug, run);
    return 'started';
  }

  private async run(lab: Lab, reason: Reason): Promise<void> {
    const slug = lab.slug;
    this.emit({ type: 'grading', slug, reason });
    try {
      let result: LabResult;
      if (labTestPaths(lab).length === 0) {
        result = { slug, title: lab.title, target: this.opts.target, tests: [], error: `lab ${slug} has no graded tests yet`, gradedAt: new Date().toISOString() };
      } else {
        let n = 0;
        // Each test as it finishes, to the page; the grade at the end.
        [result] = (await runLabTests([lab], { target: this.opts.target, onTest: (_lab, test) => this.emit({ type: 'test', slug, n: ++n, test }) })) as [LabResult];
      }
      if (this.opts.save) saveGrades([result]);
      this.latest.set(slug, result);
      this.emit({ type: 'graded', slug, score: score(result), max: maxScore(result), full: fullMarks(result) });
    } catch (e) {
      this.emit({ type: 'grade-error', slug, message: (e as Error).message });
    }
  }

  // ---- pages listening ------------------------------------------------------

  /** Take an SSE response: it hears every event until the page goes. False when too many pages listen. */
  listen(res: ServerResponse): boolean {
    if (this.closed || this.clients.size >= MAX_CLIENTS) return false;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    // A page that loses us retries every 5 s, not every 3 (the default): a stopped server costs little.
    res.write(`retry: 5000\nevent: hello\ndata: ${JSON.stringify({ busy: this.busy })}\n\n`);
    this.clients.add(res);
    res.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) this.stopWatching();
    });
    this.keepalive ??= setInterval(() => {
      for (const c of this.clients) c.write(': keep-alive\n\n');
    }, KEEPALIVE_MS).unref();
    if (this.clients.size === 1) this.startWatching();
    return true;
  }

  private emit(e: LiveEvent): void {
    this.onEvent?.(e);
    // A finished test goes to the page drawn, as the report would draw it (its wire picture included).
    const payload =
      e.type === 'test'
        ? { type: e.type, slug: e.slug, n: e.n, passed: e.test.passed, line: liveTestLine(e.test).text, failure: e.test.passed ? undefined : failureBlock(e.test, 1000 + e.n).text }
        : e;
    const data = `event: ${e.type}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const c of this.clients) c.write(data);
  }

  // ---- saves ------------------------------------------------------------------
  // While a page is open, a change in a lab's folder grades that lab.

  private startWatching(): void {
    this.stopWatching();
    const { pollMs, debounceMs, fsWatch } = this.opts;
    this.watchers = this.opts.labs().map((lab) => new FolderWatch(labDir(this.opts.target, lab), () => this.saved(lab), { pollMs, debounceMs, fsWatch }));
  }

  private saved(lab: Lab): void {
    if (this.closed || this.clients.size === 0) return;
    if (this.running.has(lab.slug)) this.again.add(lab.slug);
    else this.grade(lab.slug, 'save');
  }

  private stopWatching(): void {
    for (const w of this.watchers.splice(0)) w.close();
  }

  /** Stop watching, hang up on every page, and wait for grades in progress (each is bounded in time). */
  async close(): Promise<void> {
    this.closed = true;
    this.stopWatching();
    clearInterval(this.keepalive);
    for (const c of this.clients) c.end();
    this.clients.clear();
    await Promise.all(this.running.values());
  }
}
