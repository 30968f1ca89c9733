// Remembers the last grade of each lab (for the course map and the site).
// Lives in .socket-kit/grades.json, which git ignores.
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { STATE_DIR } from '../paths.ts';
import type { LabResult } from './results.ts';

const FILE = () => path.join(process.env.SOCKET_KIT_STATE ?? STATE_DIR, 'grades.json');

export function loadGrades(): Record<string, LabResult> {
  try {
    return JSON.parse(readFileSync(FILE(), 'utf8'));
  } catch {
    return {};
  }
}

export function saveGrades(results: LabResult[]): void {
  const all = { ...loadGrades() };
  for (const r of results) all[r.slug] = r;
  mkdirSync(path.dirname(FILE()), { recursive: true });
  const tmp = `${FILE()}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(all, null, 2));
  renameSync(tmp, FILE()); // never a half-written file
}
