// The course map: every lab in order with its last grade, and the next step.
// Printed by `npm start`; the site shows the same facts.
import { existsSync } from 'node:fs';
import { labFolder, labs, lessonPath, type Lab } from './course.ts';
import { shownPath } from './paths.ts';
import { loadGrades } from './grader/store.ts';
import { fullMarks, maxScore, score, type LabResult } from './grader/results.ts';
import { bold, dim, green, yellow } from './term.ts';

export interface MapRow {
  lab: Lab;
  lesson: string | null;
  last: LabResult | undefined;
  done: boolean;
}

export function courseRows(): MapRow[] {
  const grades = loadGrades();
  return labs().map((lab) => {
    const last = grades[lab.slug];
    return { lab, lesson: existsSync(lessonPath(lab)) ? lessonPath(lab) : null, last, done: !!last && fullMarks(last) };
  });
}

/** The first lab not yet at full marks. */
export function nextLab(rows = courseRows()): MapRow | undefined {
  return rows.find((r) => !r.done);
}

export function gradeText(last: LabResult | undefined): string {
  if (!last) return 'not graded yet';
  return `${score(last)}/${maxScore(last)}${fullMarks(last) ? ' ✓' : ''}`;
}

export function formatCourseMap(title: string): string {
  const rows = courseRows();
  const out = [bold(title), ''];
  const width = Math.max(...rows.map((r) => r.lab.title.length));
  for (const r of rows) {
    const grade = gradeText(r.last);
    const shown = r.done ? green(grade) : r.last ? yellow(grade) : dim(grade);
    out.push(`  ${r.lab.slug.slice(0, 2)}  ${r.lab.title.padEnd(width)}  ${shown}`);
  }
  const next = nextLab(rows);
  out.push('');
  if (!next) {
    out.push(green('Every lab is at full marks. Well done.'));
  } else {
    const n = next.lab.slug.slice(0, 2);
    out.push(bold(`Next: lab ${n} — ${next.lab.title}`) + (next.last ? ` (last grade ${gradeText(next.last)})` : ''));
    out.push(`  1. Read   ${next.lesson ? shownPath(next.lesson) : '(lesson not written yet)'}`);
    out.push(`  2. Edit   ${next.lab.files.map((f) => `labs/${labFolder(next.lab)}/${f}`).join(', ')}`);
    out.push(`  3. Grade  npm run grade -- ${n}`);
  }
  return out.join('\n');
}
