// A program several labs grow (the POP3 server in labs/mail/) has one source,
// solutions/<folder>/ with stage marks (lib/stages.ts). Checked here: the
// starter in labs/ is what that source gives, and a malformed mark is refused.
// Each stage's reference as released is graded in stages.proof.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { labFolder, labs, stagesOf } from '../../lib/course.ts';
import { StageError, stagedLabs, stageFiles, starterDrift } from '../../lib/stages.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-stages-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const programs = stagedLabs(labs());

test('there is a program grown over several labs, and its starter in labs/ is exactly what its source gives', () => {
  expect(programs.map(labFolder)).toContain('mail');
  for (const p of programs) expect(starterDrift(p), `run npm run stages: labs/${labFolder(p)}/ is out of date`).toEqual([]);
});

test('a malformed stage mark is refused, naming the file and line', () => {
  const mail = programs.find((p) => labFolder(p) === 'mail')!;
  const cases: [string, RegExp][] = [
    ['// @stage pop3-transaction\nx;\n', /not closed/],
    ['// @stage no-such-lab\nx;\n// @end\n', /names no lab of this folder/],
    ['// @end\n', /outside a region/],
    ['// @stage pop3-transaction\nx;\n// @starter\ny;\n// @end\n', /must start with "\/\/ "/],
  ];
  for (const [text, why] of cases) {
    const src = mkdtempSync(path.join(tmp, 'src-'));
    writeFileSync(path.join(src, 'bad.ts'), text);
    expect(() => stageFiles(mail, 'starter', src)).toThrow(StageError);
    expect(() => stageFiles(mail, 'starter', src)).toThrow(why);
  }
});

test('regions nest: a later lab inside an earlier one appears only once that lab is solved', () => {
  const mail = programs.find((p) => labFolder(p) === 'mail')!;
  const [first, second] = stagesOf(mail);
  const src = mkdtempSync(path.join(tmp, 'src-'));
  writeFileSync(
    path.join(src, 'f.ts'),
    ['a', `// @stage ${first!.slug.slice(3)}`, 'b', `  // @stage ${second!.slug.slice(3)}`, '  c', '  // @starter', '  // not-c', '  // @end', '// @starter', '// todo-b', '// @end', ''].join('\n'),
  );
  expect(stageFiles(mail, 'starter', src).get('f.ts')).toBe('a\ntodo-b\n');
  expect(stageFiles(mail, first!, src).get('f.ts')).toBe('a\nb\n  not-c\n');
  expect(stageFiles(mail, second!, src).get('f.ts')).toBe('a\nb\n  c\n');
});

