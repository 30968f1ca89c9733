// What the GitHub Classroom workflow (written by lib/instructor/classroom.ts)
// and the check each of its steps runs (lib/cli/classroom-check.ts, shipped to
// students) agree on: how a graded test is named on the command line.
import { createHash } from 'node:crypto';

/** A short, shell-safe id for a test: names carry quotes and colons. */
export const testId = (name: string) => createHash('sha256').update(name).digest('hex').slice(0, 10);
