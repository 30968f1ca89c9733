// One program, grown over several labs (the POP3 server in labs/mail/), kept as
// ONE source: solutions/<folder>/, the final reference, runs as it is, and
// marks in comments say which lab introduces each piece of it:
//
//     stat(): Reply {
//       // @stage pop3-transaction
//       const { count, octets } = this.maildrop.stat();
//       return ok(`${count} ${octets}`);
//       // @starter
//       // throw new Error('TODO: stat() in labs/mail/session.ts');
//       // @end
//     }
//
// Between `@stage NAME` and `@starter` (or `@end`) is what lab NAME adds;
// between `@starter` and `@end`, commented out line by line, is what stands
// there until then (nothing if there is no `@starter`). Regions may nest. From
// this one source come every stage's reference (the labs up to NAME solved,
// the later ones as their starters) and the starter in labs/<folder>/ (every
// region as its starter), which a kit test keeps in sync.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labDir, labFolder, labName, stagesOf, type Lab } from './course.ts';
import { kitPath } from './paths.ts';

const MARK = /^(\s*)\/\/ @(stage|starter|end)\b ?(.*)$/;

export class StageError extends Error {}

interface Region {
  stage: string;
  /** Regions of one stage that only work together share a group: they are knocked out together. */
  group?: string;
  /** Where its "@stage" mark is, 1-based. */
  line: number;
  /** What it is part of: the function or method around it, or the name it declares. */
  context: string;
  solution: Node[];
  starter: string[];
}
type Node = string | Region;

/** Parse a file's lines into plain lines and (nested) regions. */
function parse(text: string, file: string): Node[] {
  const lines = text.split('\n');
  let i = 0;
  const where = () => `${file}:${i}`;
  function block(inRegion: boolean): { nodes: Node[]; ended: 'starter' | 'end' | 'eof'; indent: string } {
    const nodes: Node[] = [];
    while (i < lines.length) {
      const line = lines[i++]!;
      const m = MARK.exec(line);
      if (!m) {
        nodes.push(line);
        continue;
      }
      const [, indent, kind, arg] = m;
      if (kind === 'stage') {
        const words = arg!.trim().split(/\s+/);
        if (!/^[a-z0-9-]+$/.test(words[0]!) || words.length > 2) throw new StageError(`${where()}: "@stage" needs a lab name (and maybe a group name)`);
        const line = i;
        const inner = block(true);
        const region: Region = { stage: words[0]!, group: words[1], line, context: contextOf(lines, line - 1), solution: inner.nodes, starter: [] };
        if (inner.ended === 'starter') {
          // Starter lines: commented out with the marker's indent and "// " (or "//" for a blank one).
          for (;;) {
            if (i >= lines.length) throw new StageError(`${where()}: "@starter" without its "@end"`);
            const s = lines[i++]!;
            const e = MARK.exec(s);
            if (e && e[2] === 'end') break;
            if (e) throw new StageError(`${where()}: a starter part holds no marks: "${s.trim()}"`);
            if (s.trim() === '//') region.starter.push('');
            else if (s.startsWith(`${indent}// `)) region.starter.push(indent + s.slice(indent!.length + 3));
            else throw new StageError(`${where()}: a starter line must start with "${indent}// ": "${s}"`);
          }
        } else if (inner.ended !== 'end') throw new StageError(`${where()}: "@stage ${region.stage}" without its "@end"`);
        nodes.push(region);
      } else if (!inRegion) {
        throw new StageError(`${where()}: "@${kind}" outside a region`);
      } else {
        return { nodes, ended: kind as 'starter' | 'end', indent: indent! };
      }
    }
    if (inRegion) throw new StageError(`${where()}: a region is not closed`);
    return { nodes, ended: 'eof', indent: '' };
  }
  return block(false).nodes;
}

const DECLARES = /^\s*(?:export\s+)?(?:const|let)\s+(\w+)|^\s*(?:private\s+|readonly\s+)+(\w+)\s*[:=;]/;
const OPENS = /^\s*(?:export\s+)?(?:async\s+)?(?:function\s*\*?\s*|(?:(?:private|static|readonly)\s+)*(?:async\s+)?\*?\s*)(\w+)\s*(?:<[^>]*>)?\(.*\)\s*(?::\s*[^{]+)?\{\s*$/;

/** What the region marked at lines[at] is part of: the function or method around it, else the name its first line declares. */
function contextOf(lines: string[], at: number): string {
  const indent = (l: string) => l.length - l.trimStart().length;
  let ind = indent(lines[at]!);
  for (let j = at - 1; j >= 0 && ind > 0; j--) {
    const l = lines[j]!;
    if (!l.trim() || /^(\/\/|\/\*|\*\/|\* |\*$)/.test(l.trim()) || indent(l) >= ind) continue; // blank, a comment, or deeper
    ind = indent(l);
    const o = OPENS.exec(l);
    if (o && !/^\s*(if|for|while|switch|catch|else|try)\b/.test(l)) return o[1]!;
    if (!/^\s*(?:\}|(?:if|for|while|switch|catch|else|try|finally|do)\b)/.test(l)) break; // a class body or the top level
  }
  for (let j = at + 1; j < lines.length; j++) {
    const t = lines[j]!.trim();
    if (!t || MARK.test(lines[j]!)) continue;
    const d = DECLARES.exec(t.startsWith('// ') ? t.slice(3) : t); // a region with no solution: its starter's first line
    return d ? (d[1] ?? d[2]!) : 'top';
  }
  return 'top';
}

/** Every stage a file's regions name, nested ones included. */
function stagesIn(nodes: Node[], out = new Set<string>()): Set<string> {
  for (const n of nodes) if (typeof n !== 'string') {
    out.add(n.stage);
    stagesIn(n.solution, out);
  }
  return out;
}

/** The lines of a file as of a stage: regions of `solved` stages as written, the others as their starters. */
function render(nodes: Node[], solved: Set<string>): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    if (typeof n === 'string') out.push(n);
    else if (solved.has(n.stage)) out.push(...render(n.solution, solved));
    else out.push(...n.starter);
  }
  return out;
}

/** The files of a staged program: .ts files directly in its folder. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.ts') && statSync(path.join(dir, f)).isFile()).sort();
}

/**
 * The program of `lab`'s folder as of the end of `upTo` (a lab of that folder),
 * or its starter (`upTo` = 'starter'): file name → text. Throws StageError for
 * a malformed mark or a region naming no lab of the folder.
 */
export function stageFiles(lab: Lab, upTo: Lab | 'starter', source = labDir(kitPath('solutions'), lab)): Map<string, string> {
  const stages = stagesOf(lab);
  const names = stages.map(labName);
  const solved = new Set(upTo === 'starter' ? [] : names.slice(0, names.indexOf(labName(upTo)) + 1));
  if (upTo !== 'starter' && !names.includes(labName(upTo))) throw new StageError(`${upTo.slug} is not a stage of ${labFolder(lab)}/`);
  const files = new Map<string, string>();
  for (const f of sourceFiles(source)) {
    const nodes = parse(readFileSync(path.join(source, f), 'utf8'), `${labFolder(lab)}/${f}`);
    for (const s of stagesIn(nodes)) {
      if (!names.includes(s)) throw new StageError(`${labFolder(lab)}/${f}: "@stage ${s}" names no lab of this folder (${names.join(', ')})`);
    }
    files.set(f, render(nodes, solved).join('\n'));
  }
  return files;
}

/**
 * Wrong programs, one per region that `lab` introduces: the final program with
 * just that region as its starter. Each graded test of `lab` should fail on at
 * least one of them (test/kit/mutants-staged.test.ts). A region whose starter
 * only differs in comments is no program change and is left out.
 */
export function knockouts(lab: Lab, source = labDir(kitPath('solutions'), lab)): { name: string; files: Map<string, string> }[] {
  const all = new Set(stagesOf(lab).map(labName));
  const parsed = new Map(sourceFiles(source).map((f) => [f, parse(readFileSync(path.join(source, f), 'utf8'), `${labFolder(lab)}/${f}`)] as const));
  // Each region of this lab gets a key: its group, or its own place.
  const keyOf = (file: string, r: Region) => `${file}:${r.group ?? r.context}`;
  const keys: string[] = [];
  const code = (lines: string[]) => lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('//')).join('\n');
  const collect = (file: string, list: Node[]) => {
    for (const n of list) {
      if (typeof n === 'string') continue;
      const key = keyOf(file, n);
      if (n.stage === labName(lab) && !keys.includes(key) && code(render(n.solution, all)) !== code(n.starter)) keys.push(key);
      collect(file, n.solution);
    }
  };
  for (const [file, nodes] of parsed) collect(file, nodes);
  return keys.map((key) => {
    const knock = (file: string, list: Node[]): string[] =>
      list.flatMap((x) => (typeof x === 'string' ? [x] : x.stage === labName(lab) && keyOf(file, x) === key ? x.starter : all.has(x.stage) ? knock(file, x.solution) : x.starter));
    return { name: key, files: new Map([...parsed].map(([f, ns]) => [f, knock(f, ns).join('\n')])) };
  });
}

/** Write a stage (or the starter) of lab's folder into `dir` (created). Returns the files written. */
export function writeStage(lab: Lab, upTo: Lab | 'starter', dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = stageFiles(lab, upTo);
  for (const [f, text] of files) writeFileSync(path.join(dir, f), text);
  return [...files.keys()];
}

/** Files of the starter folder (labs/<folder>/) that differ from what the source gives, or are missing/extra. */
export function starterDrift(lab: Lab, labsRoot = kitPath('labs')): string[] {
  const want = stageFiles(lab, 'starter');
  const dir = labDir(labsRoot, lab);
  const have = existsSync(dir) ? sourceFiles(dir) : [];
  const drift: string[] = [];
  for (const [f, text] of want) {
    const p = path.join(dir, f);
    if (!existsSync(p) || readFileSync(p, 'utf8') !== text) drift.push(f);
  }
  for (const f of have) if (!want.has(f)) drift.push(f);
  return drift.sort();
}

/** Folders whose labs are stages of one program (more than one lab shares them). */
export function stagedLabs(all: Lab[]): Lab[] {
  const seen = new Set<string>();
  return all.filter((l) => {
    if (stagesOf(l).length < 2 || seen.has(labFolder(l))) return false;
    seen.add(labFolder(l));
    return true;
  });
}
