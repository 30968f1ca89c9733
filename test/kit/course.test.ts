// The manifest and the lab-folder helpers every tool goes through: labs found
// by name, folders shared by the stages of one program, earlier stages graded
// again with a later one, and a manifest that breaks those rules refused.
import { expect, test } from 'vitest';
import { checkCourse, findLab, labDir, labFolder, labFolders, labName, labs, resolveLabs, stagesOf, withEarlierStages, type Course, type Lab } from '../../lib/course.ts';

const lab = (slug: string, folder?: string): Lab => ({ slug, title: slug, summary: '', files: ['server.ts'], hints: [], ...(folder ? { folder } : {}) });
const manifest = (...list: Lab[]): Course => ({ title: 't', labs: list });

test('a lab is found by its slug or by its name, which survives renumbering', () => {
  const first = labs()[0]!;
  expect(findLab(first.slug)).toBe(first);
  expect(findLab(labName(first))).toBe(first);
  expect(labName(first)).toBe(first.slug.slice(3));
  expect(() => findLab('no-such-lab')).toThrow(/no lab 'no-such-lab'/);
});

test('a name typed in full wins over a lab whose slug merely contains it', () => {
  for (const l of labs()) expect(resolveLabs([labName(l)])).toEqual([l]);
});

test("a lab's folder is its slug unless course.json names a shared one", () => {
  expect(labFolder(lab('01-a'))).toBe('01-a');
  expect(labFolder(lab('02-b', 'mail'))).toBe('mail');
  expect(labDir('/x/labs', lab('02-b', 'mail'))).toBe('/x/labs/mail');
  expect(labFolders([lab('01-a'), lab('02-b', 'mail'), lab('03-c', 'mail')])).toEqual(['01-a', 'mail']);
});

test('every folder in the kit exists for the starters and the solutions', async () => {
  const { existsSync } = await import('node:fs');
  const { kitPath } = await import('../../lib/paths.ts');
  for (const folder of labFolders(labs())) {
    expect(existsSync(kitPath('labs', folder)), `labs/${folder}`).toBe(true);
    expect(existsSync(kitPath('solutions', folder)), `solutions/${folder}`).toBe(true);
  }
});

test('grading a stage also grades the stages before it in its folder, in course order, each once', () => {
  for (const l of labs()) {
    const stages = stagesOf(l);
    const at = stages.indexOf(l);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(withEarlierStages([l])).toEqual(stages.slice(0, at + 1));
  }
  const all = labs();
  expect(withEarlierStages([...all].reverse())).toEqual(all);
});

test('course.json is refused when labs sharing a folder are apart, or two labs share a name', () => {
  expect(() => checkCourse(manifest(lab('01-a', 'mail'), lab('02-b'), lab('03-c', 'mail')))).toThrow(/folder 'mail' are not listed one after another/);
  expect(() => checkCourse(manifest(lab('01-a'), lab('02-a')))).toThrow(/two labs are named 'a'/);
  expect(() => checkCourse(manifest(lab('01-a', '../up')))).toThrow(/bad folder/);
  expect(checkCourse(manifest(lab('01-a'), lab('02-b', 'mail'), lab('03-c', 'mail'))).labs).toHaveLength(3);
});
