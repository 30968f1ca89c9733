// The gradebook (CSV: student, points per lab, total, max) and the per-student
// feedback files. Rows are appended as each student finishes, so a crash or a
// Ctrl-C late in the run keeps every grade already given; the file is
// rewritten sorted by student at the end.
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from '../course.ts';
import { maxScore, score, type LabResult } from '../grader/results.ts';

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
export const csvField = (s: string | number) => {
  const v = String(s);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
};

export interface StudentGrade {
  student: string;
  results: LabResult[];
  /** Why grading this student failed as a whole (rare: the runner itself broke). */
  error?: string;
  ms?: number;
}

export class Gradebook {
  readonly file: string;
  private rows = new Map<string, string>();

  constructor(
    outDir: string,
    private labs: Lab[],
    /** Each lab's points (all its graded tests): the `max` column, the same for everyone. */
    private maxByLab?: Map<string, number>,
  ) {
    mkdirSync(outDir, { recursive: true });
    this.file = path.join(outDir, 'gradebook.csv');
    writeFileSync(this.file, this.header() + '\n');
  }

  header(): string {
    return ['student', ...this.labs.map((l) => l.slug), 'total', 'max'].map(csvField).join(',');
  }

  row(g: StudentGrade): string {
    const cells: (string | number)[] = [g.student];
    let total = 0;
    let max = 0;
    for (const lab of this.labs) {
      const r = g.results.find((x) => x.slug === lab.slug);
      const s = r ? score(r) : 0;
      total += s;
      max += this.maxByLab?.get(lab.slug) ?? (r ? maxScore(r) : 0);
      cells.push(s);
    }
    cells.push(total, max);
    return cells.map(csvField).join(',');
  }

  /** Append at once: the row is on disk before the next student starts. */
  add(g: StudentGrade): void {
    const line = this.row(g);
    this.rows.set(g.student, line);
    appendFileSync(this.file, line + '\n');
  }

  /** Rewrite sorted by student (atomically). */
  finish(): void {
    const sorted = [...this.rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, l]) => l);
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, [this.header(), ...sorted].join('\n') + '\n');
    renameSync(tmp, this.file);
  }
}

/** Parse a gradebook back (tests, the bench): rows as objects keyed by header. */
export function readGradebook(file: string): Record<string, string>[] {
  const [head, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const keys = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [keys[i], v])));
}
