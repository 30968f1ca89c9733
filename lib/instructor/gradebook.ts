// The gradebook: a CSV a spreadsheet opens safely. RFC 4180 (CRLF line ends,
// a field quoted when it holds a comma, a quote or a line break, quotes
// doubled), UTF-8 with a byte order mark so Excel reads "Zoë" as Zoë, and a
// text cell that a spreadsheet would take for a formula (= + - @, a tab or a
// CR first) defused with a leading ' (OWASP's advice on CSV injection). The
// second row holds each column's maximum ("Points Possible", as LMS gradebooks
// name it); rows are the students, sorted by name.
import { readFileSync } from 'node:fs';
import type { Lab } from '../course.ts';
import { score, type LabResult } from '../grader/results.ts';

export const BOM = '\ufeff';
export const MAX_ROW = 'Points Possible';

/** Starts a formula in Excel, LibreOffice or Google Sheets (fullwidth forms included). */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** One CSV field. Numbers as they are; text defused and quoted as needed. */
export function csvField(v: string | number): string {
  if (typeof v === 'number') return String(v);
  const text = FORMULA_START.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) || text !== v ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface StudentGrade {
  student: string;
  results: LabResult[];
  /** Why grading this student failed as a whole (the runner itself broke, the run was stopped). */
  error?: string;
  /** Said once at the top of the feedback: how the folder was read, or why no lab was found. */
  notes?: string[];
  ms?: number;
}

export interface GradebookOptions {
  /** A byte order mark first (default): Excel then reads the file as UTF-8. */
  bom?: boolean;
}

/** The whole gradebook: header, the max row, one row per student (in the order given). */
export function gradebookCsv(labs: Lab[], maxByLab: Record<string, number>, grades: StudentGrade[], opts: GradebookOptions = {}): string {
  const rows: (string | number)[][] = [['student', ...labs.map((l) => l.slug), 'total']];
  const maxes = labs.map((l) => maxByLab[l.slug] ?? 0);
  rows.push([MAX_ROW, ...maxes, maxes.reduce((a, b) => a + b, 0)]);
  for (const g of grades) {
    const scores = labs.map((l) => {
      const r = g.results.find((x) => x.slug === l.slug);
      return r ? score(r) : 0;
    });
    rows.push([g.student, ...scores, scores.reduce((a, b) => a + b, 0)]);
  }
  return (opts.bom === false ? '' : BOM) + rows.map((r) => r.map(csvField).join(',') + '\r\n').join('');
}

/** Parse RFC 4180 CSV (quoted fields, doubled quotes, line breaks inside quotes, a BOM). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = text.startsWith(BOM) ? 1 : 0;
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) rows.push([...row, field]);
  return rows;
}

/** A gradebook read back (tests, the bench): the students' rows as objects keyed by header, and the max row. */
export function readGradebook(file: string): { rows: Record<string, string>[]; max: Record<string, string> } {
  const [head, ...rest] = parseCsv(readFileSync(file, 'utf8'));
  const obj = (r: string[]) => Object.fromEntries(r.map((v, i) => [head![i], v]));
  return { rows: rest.filter((r) => r[0] !== MAX_ROW).map(obj), max: obj(rest.find((r) => r[0] === MAX_ROW) ?? []) };
}
