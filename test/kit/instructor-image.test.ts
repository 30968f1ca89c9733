// The grader image (Dockerfile), as far as it can be tried without a Docker
// engine: its base is Debian with Node 20; it installs every package .ci/run
// installs for grading, and bubblewrap; and its own COPY, WORKDIR and RUN steps,
// run here as a script into a folder standing for the image's root (honouring
// .dockerignore), make a kit whose ENTRYPOINT grades a mounted class. Not tried
// here: the apt-get step (this machine's packages stand in for it) and the
// container's namespaces and cgroups (--privileged).
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { KIT_ROOT, kitPath } from '../../lib/paths.ts';
import { readGradebook } from '../../lib/instructor/gradebook.ts';

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions: comments dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\w+)\s+(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), args: m[2]! };
    });
}

const dockerfile = instructions(readFileSync(kitPath('Dockerfile'), 'utf8'));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-image-'));
chmodSync(tmp, 0o755); // an image's root is readable by the sandbox's uids
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Packages .ci/run installs (`need+=(…)`), and those it installs only for the kit's own tests. */
const ciPackages = [...readFileSync(kitPath('.ci', 'run'), 'utf8').matchAll(/need\+=\(([^)]*)\)/g)].flatMap((m) => m[1]!.trim().split(/\s+/));
const TESTS_ONLY: Record<string, string> = {
  chromium: 'the site tests drive a browser',
  tmux: 'talk is tested in a terminal',
  zip: 'the Gradescope zip is built in tests',
  unzip: 'the Gradescope zip is unpacked in tests',
};

test('Debian with Node 20, and every package grading needs: what .ci/run installs for it, and bubblewrap', () => {
  expect(dockerfile[0]).toEqual({ op: 'FROM', args: expect.stringMatching(/^node:20-bookworm(-slim)?$/) }); // bookworm = Debian 12
  const apt = dockerfile.find((i) => i.op === 'RUN' && /apt-get install/.test(i.args))!;
  const installed = new Set(apt.args.split('apt-get install')[1]!.split('&&')[0]!.split(/\s+/).filter((w) => w && !w.startsWith('-')));
  expect(ciPackages.length).toBeGreaterThan(3);
  for (const p of ciPackages.filter((p) => !(p in TESTS_ONLY))) expect(installed, `${p} (installed by .ci/run)`).toContain(p);
  expect(installed).toContain('bubblewrap');
  expect(apt.args).toMatch(/rm -rf \/var\/lib\/apt\/lists/); // no package lists left in the image
});

/** Docker's .dockerignore: patterns anchored at the context's root, `*` within a name, `**` across folders. */
function ignored(): (rel: string) => boolean {
  const patterns = readFileSync(kitPath('.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((p) => new RegExp(`^${p.replace(/[.+^$()|[\]{}]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]').replace(/\0/g, '.*')}(/.*)?$`));
  return (rel) => patterns.some((re) => re.test(rel));
}

test("its COPY, WORKDIR and RUN steps make a kit whose ENTRYPOINT grades a mounted class", () => {
  const root = path.join(tmp, 'image-root');
  const isIgnored = ignored();
  let workdir = '/';
  const inImage = (p: string) => path.join(root, path.posix.resolve(workdir, p));
  for (const { op, args } of dockerfile) {
    if (op === 'WORKDIR') {
      workdir = path.posix.resolve(workdir, args);
      mkdirSync(inImage('.'), { recursive: true });
    } else if (op === 'COPY') {
      const parts = args.split(/\s+/);
      const dest = parts.pop()!;
      for (const src of parts) {
        const from = path.join(KIT_ROOT, src);
        const to = src === '.' ? inImage(dest) : path.join(inImage(dest), path.basename(src));
        cpSync(from, to, { recursive: true, filter: (p) => !isIgnored(path.relative(KIT_ROOT, p)) || p === KIT_ROOT });
      }
    } else if (op === 'RUN' && !/apt-get/.test(args)) {
      const r = spawnSync('sh', ['-c', args], { cwd: inImage('.'), encoding: 'utf8', timeout: 150_000 });
      expect(r.status, `RUN ${args}\n${r.stdout}\n${r.stderr}`).toBe(0);
    }
  }
  const kit = inImage('.');
  // Nothing of the instructor's that grading does not need.
  for (const gone of ['solutions', '.git', 'test/kit', 'test/fixtures/class', 'grades']) expect(existsSync(path.join(kit, gone)), gone).toBe(false);
  expect(existsSync(path.join(kit, 'test', 'hidden'))).toBe(true); // graded in the image
  expect(existsSync(path.join(kit, 'node_modules', 'vitest'))).toBe(true);

  // docker run -v subs:/submissions -v grades:/grades IMAGE --lab 01 (the mounts stand in for the container's paths).
  const entry = JSON.parse(dockerfile.find((i) => i.op === 'ENTRYPOINT')!.args) as string[];
  const cmd = JSON.parse(dockerfile.find((i) => i.op === 'CMD')!.args) as string[];
  const subs = path.join(tmp, 'submissions');
  const grades = path.join(tmp, 'grades');
  cpSync(kitPath('test', 'fixtures', 'class', 'ada-full'), path.join(subs, 'ada'), { recursive: true });
  const mounted = (a: string) => a.replace(/^\/submissions$/, subs).replace(/^\/grades$/, grades);
  const r = spawnSync(entry[0] === 'node' ? process.execPath : entry[0]!, [...entry.slice(1), ...cmd.map(mounted), '--lab', '01'], {
    cwd: kit,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(readGradebook(path.join(grades, 'gradebook.csv')).rows).toEqual([{ student: 'ada', '01-udp-echo': '19', total: '19' }]);
  expect(readdirSync(path.join(grades, 'feedback'))).toEqual(['ada.txt']);
}, 240_000);
