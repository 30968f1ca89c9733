// Watch mode: re-grade the current lab whenever a file in it changes, and move
// on to the next lab once it reaches full marks.
//
// Change detection uses fs.watch for speed AND a stat poll as a safety net:
// fs.watch misses changes on WSL's /mnt drives and network file systems, and
// editors that save by rename can detach it. Both only compare a snapshot of
// names, sizes and mtimes, so spurious events cost nothing and a real change
// is never graded twice.
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { earlierStages, labDir, labTestPaths, labs as allLabs, withEarlierStages, type Lab } from '../course.ts';
import { runLabTests } from '../grader/run-tests.ts';
import { fullMarks, type LabResult, type TestResult } from '../grader/results.ts';
import { saveGrades } from '../grader/store.ts';
import { stopTypeChecks, typeErrors } from '../grader/typecheck.ts';
import { HintLevels } from './hints.ts';
import { labNumber } from './state.ts';
import { CLEAR, gradingScreen, waitingScreen, watchScreen, type ScreenNote } from './watch-view.ts';

/**
 * Grades a lab, calling `onTest` as each test finishes (hints are left as ids,
 * TestResult.hint, for the screen to show); may also return the results of its
 * earlier stages (a folder several labs grow).
 */
export type GradeFn = (lab: Lab, target: string, onTest?: (t: TestResult) => void) => Promise<LabResult | LabResult[]>;

/**
 * The grader, guarded: a lab without graded tests yet is reported, not handed
 * to vitest (which would run everything). A stage of a program several labs
 * grow (labs/mail/) is graded with the earlier stages, which must keep passing.
 */
export const gradeLab: GradeFn = async (lab, target, onTest) => {
  if (labTestPaths(lab).length === 0) {
    return { slug: lab.slug, title: lab.title, target, tests: [], error: `lab ${labNumber(lab.slug)} has no graded tests yet`, gradedAt: new Date().toISOString() };
  }
  return runLabTests(withEarlierStages([lab]), { target, hints: 'separate', onTest: (_lab, t) => onTest?.(t) });
};

/** A line for the screen when an earlier stage of this lab's folder no longer has full marks. */
function regressionNote(lab: Lab, results: LabResult[]): string | undefined {
  const broken = earlierStages(lab).filter((l) => {
    const r = results.find((x) => x.slug === l.slug);
    return r && !fullMarks(r);
  });
  if (!broken.length) return undefined;
  const nums = broken.map((l) => labNumber(l.slug));
  return `Lab ${nums.join(', ')} (earlier work in this folder) no longer has full marks: npm run grade -- ${nums[0]} shows what broke.`;
}

export interface WatchOptions {
  /** The folder holding one folder per lab (labs/, or a copy). */
  target: string;
  /** The lab to start with. */
  lab: Lab;
  /** Labs in course order, to move on through (default: course.json's). */
  course?: Lab[];
  grade?: GradeFn;
  /** Remember grades for the course map and the hints shown (only for the student's own labs/). */
  save?: boolean;
  /** Receives each screen; clears the terminal first when `clear` is set. */
  print?: (text: string) => void;
  clear?: boolean;
  /** Bottom line of every screen. */
  keys?: string;
  /** Stat-poll period; the fallback when fs.watch is blind. */
  pollMs?: number;
  /** Quiet time after a change before grading (editors write in bursts). */
  debounceMs?: number;
  /** Set false to rely on polling alone. */
  fsWatch?: boolean;
  /** Type-check the lab's files beside each grade and show the errors as warnings (default true). */
  typecheck?: boolean;
}

/** Names, sizes and mtimes of a lab folder's files: what "a file changed" compares. */
export function snapshot(dir: string, depth = 2): string {
  const parts: string[] = [];
  const walk = (d: string, left: number) => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch {
      return;
    }
    for (const name of names) {
      // Editor droppings (swap files, backups, vim's 4913 probe) are not the student's code.
      if (name.startsWith('.') || name.endsWith('~') || name.endsWith('.swp') || name === '4913' || name === 'node_modules') continue;
      const p = path.join(d, name);
      try {
        const s = statSync(p);
        if (s.isDirectory()) {
          if (left > 0) walk(p, left - 1);
        } else parts.push(`${path.relative(dir, p)}:${s.size}:${s.mtimeMs}`);
      } catch {
        /* deleted while we looked */
      }
    }
  };
  walk(dir, depth);
  return parts.join('\n');
}

/**
 * Events: 'graded' (LabResult, Lab), 'advanced' (from Lab, to Lab),
 * 'finished' (every lab at full marks), 'screen' (text).
 */
export class LabWatcher extends EventEmitter {
  private index: number;
  private readonly course: Lab[];
  private fsw: FSWatcher | undefined;
  private poller: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private gradedSnapshot: string | undefined;
  private grading: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private banner: string | undefined;
  /** True while fs.watch works; false means polling alone. */
  fsWatchLive = false;

  constructor(private readonly opts: WatchOptions) {
    super();
    this.course = opts.course ?? allLabs();
    this.index = this.course.findIndex((l) => l.slug === opts.lab.slug);
    if (this.index < 0) throw new Error(`lab ${opts.lab.slug} is not in the course`);
  }

  get lab(): Lab {
    return this.course[this.index]!;
  }

  get dir(): string {
    return labDir(this.opts.target, this.lab);
  }

  /** Start watching and grade at once. */
  start(): this {
    this.watchDir();
    const pollMs = this.opts.pollMs ?? 1000;
    this.poller = setInterval(() => this.check(), pollMs);
    this.regrade();
    return this;
  }

  /** Grade now, whatever changed (a key press, a start). */
  regrade(): void {
    this.gradedSnapshot = undefined;
    this.schedule(0);
  }

  /** Stop watching; resolves once a grade in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    stopTypeChecks();
    this.fsw?.close();
    clearInterval(this.poller);
    clearTimeout(this.debounce);
    await this.grading;
  }

  private watchDir(): void {
    this.fsw?.close();
    this.fsw = undefined;
    this.fsWatchLive = false;
    if (this.opts.fsWatch === false || !existsSync(this.dir)) return;
    try {
      this.fsw = watch(this.dir, { persistent: false }, () => this.check());
      this.fsw.on('error', () => {
        // Folder replaced, watch limit reached, unsupported file system: polling carries on.
        this.fsw?.close();
        this.fsw = undefined;
        this.fsWatchLive = false;
      });
      this.fsWatchLive = true;
    } catch {
      this.fsWatchLive = false;
    }
  }

  private check(): void {
    if (this.stopped || this.gradedSnapshot === undefined) return;
    if (!this.fsw && this.opts.fsWatch !== false && existsSync(this.dir)) this.watchDir(); // the folder came back
    if (snapshot(this.dir) !== this.gradedSnapshot) this.schedule(this.opts.debounceMs ?? 200);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    // Seen: say so at once, before the editor's burst of writes settles and long before the grade is in.
    if (!this.grading && existsSync(this.dir)) this.progress([]);
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      if (this.grading) this.again = true;
      else this.grading = this.gradeLoop().finally(() => (this.grading = undefined));
    }, ms);
  }

  private async gradeLoop(): Promise<void> {
    // Bounded: a change during a grade earns one more grade, and moving on is bounded by the course length.
    for (let round = 0; round < 2 * this.course.length + 2 && !this.stopped; round++) {
      this.again = false;
      const lab = this.lab;
      const snap = snapshot(this.dir);
      this.gradedSnapshot = snap;
      if (!existsSync(this.dir)) {
        this.show(waitingScreen(lab, this.dir, `There is no folder ${this.dir}. Create it (or run npm run reset -- ${labNumber(lab.slug)}); watching for it.`, this.note()));
        return;
      }
      const done: TestResult[] = [];
      const types = this.opts.typecheck === false ? undefined : typeErrors([lab], this.opts.target);
      this.progress(done);
      const onTest = (t: TestResult) => {
        done.push(t);
        if (!this.stopped) this.progress(done);
      };
      const graded = [await (this.opts.grade ?? gradeLab)(lab, this.opts.target, onTest)].flat();
      const r = graded.find((x) => x.slug === lab.slug) ?? graded[0]!;
      if (this.stopped) return;
      const regressed = regressionNote(lab, graded);
      if (regressed) this.banner = this.banner ? `${this.banner}\n${regressed}` : regressed;
      // Only the first failure is on screen, so only its hint is shown (and remembered, one level at a time).
      const hints = new HintLevels(this.opts.save === true);
      const note = this.note();
      const shown = new Map<string, string>();
      const hint = (id: string) => (shown.has(id) ? shown.get(id)! : (shown.set(id, hints.show(lab, id)), shown.get(id)!));
      this.show(watchScreen(lab, this.dir, r, note, hint));
      if (this.opts.save) saveGrades(graded);
      // Type errors come from tsc, which may finish after the tests: the same screen again, with them.
      const warnings = (await types)?.get(lab.slug);
      if (warnings?.length && !this.stopped && !this.again) {
        r.warnings = warnings;
        this.show(watchScreen(lab, this.dir, r, note, hint));
      }
      this.banner = undefined;
      this.emit('graded', r, lab);
      if (fullMarks(r) && !regressed && !this.again) {
        if (!this.advance()) return;
        continue; // grade the next lab at once
      }
      if (!this.again) return;
    }
  }

  /** Move to the next lab; false when this was the last. */
  private advance(): boolean {
    const from = this.lab;
    if (this.index + 1 >= this.course.length) {
      this.show(`\n${'Every lab is at full marks. Well done.'}\n`);
      this.emit('finished');
      void this.stop();
      return false;
    }
    this.index++;
    this.banner = `Lab ${labNumber(from.slug)} — ${from.title}: full marks. Moving on to lab ${labNumber(this.lab.slug)} — ${this.lab.title}.`;
    this.watchDir();
    this.emit('advanced', from, this.lab);
    return true;
  }

  private note(): ScreenNote {
    return { banner: this.banner, keys: this.opts.keys };
  }

  /** While grading: the whole grading screen on a terminal; elsewhere (a log) one line per step. */
  private progress(done: TestResult[]): void {
    if (this.opts.clear) return this.show(gradingScreen(this.lab, this.dir, done, this.note()));
    const t = done.at(-1);
    const line = t ? `  ${t.passed ? '✓' : '✗'} ${t.name}  ${t.passed ? t.points : 0}/${t.points}` : `grading lab ${labNumber(this.lab.slug)}…`;
    this.emit('screen', line);
    this.opts.print?.(line);
  }

  private show(text: string): void {
    this.emit('screen', text);
    this.opts.print?.((this.opts.clear ? CLEAR : '') + text);
  }
}
