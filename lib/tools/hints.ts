// Graded hints: each lab's hints come in course.json order, from a nudge to
// nearly the answer, and each hint itself opens with a nudge (its first
// sentence) before it says the rest.
//
// A failing test shows its hint one level at a time: the first time, the nudge;
// if the same hint comes up again in a later grade, all of it. `npm run hint`
// shows the next hint not yet seen in full. What was shown is remembered, so
// `npm run hint -- NN --all` shows exactly that.
//
// Seen hints live in an append-only log (one "slug id level" per line) in the
// state folder: appending a short line is safe where read-modify-write of a
// JSON file would lose updates. A line without a level (older logs) means all of it.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Hint, Lab } from '../course.ts';
import { labNumber, statePath } from './state.ts';

const LOG = () => statePath('hints-seen.log');

/** A hint's levels: its first sentence (the nudge), then all of it. One level when it is one sentence. */
export function levelsOf(hint: Hint): string[] {
  const m = /^(.+?[.!?])\s+(?=[A-Z('"`])/.exec(hint.text);
  return m && m[1]!.length < hint.text.length ? [m[1]!, hint.text] : [hint.text];
}

/** How far each hint of a lab has been seen: 1 = the nudge, 2 (or its last level) = all of it. */
export function seenLevels(lab: Lab): Map<string, number> {
  let text = '';
  try {
    text = readFileSync(LOG(), 'utf8');
  } catch {
    /* nothing seen yet */
  }
  const seen = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [slug, id, level] = line.trim().split(/\s+/);
    if (slug !== lab.slug || !id) continue;
    seen.set(id, Math.max(seen.get(id) ?? 0, level ? Number(level) || 1 : Infinity));
  }
  return seen;
}

/** Hint ids seen at all (nudge or more) for a lab. */
export function seenHints(lab: Lab): Set<string> {
  return new Set(seenLevels(lab).keys());
}

/** Remember that a hint was shown up to `level` (default: all of it). */
export function markSeen(lab: Lab, id: string, level = Infinity): void {
  const hint = lab.hints.find((h) => h.id === id);
  if (!hint) return;
  const shown = Math.min(level, levelsOf(hint).length);
  if ((seenLevels(lab).get(id) ?? 0) >= shown) return;
  mkdirSync(path.dirname(LOG()), { recursive: true });
  appendFileSync(LOG(), `${lab.slug} ${id} ${shown}\n`);
}

/** Forget every hint seen for a lab (`npm run hint -- NN --reset`). */
export function forgetHints(lab: Lab): void {
  let text = '';
  try {
    text = readFileSync(LOG(), 'utf8');
  } catch {
    return;
  }
  const kept = text.split('\n').filter((l) => l.trim() && l.trim().split(/\s+/)[0] !== lab.slug);
  writeFileSync(LOG(), kept.map((l) => l + '\n').join(''));
}

export interface NumberedHint {
  hint: Hint;
  /** 1-based position in the lab's list. */
  n: number;
  of: number;
}

export function numbered(lab: Lab, id: string): NumberedHint | undefined {
  const i = lab.hints.findIndex((h) => h.id === id);
  return i < 0 ? undefined : { hint: lab.hints[i]!, n: i + 1, of: lab.hints.length };
}

/** The first hint, in order, not yet seen in full; undefined once all have been. */
export function nextUnseen(lab: Lab): NumberedHint | undefined {
  const seen = seenLevels(lab);
  const i = lab.hints.findIndex((h) => (seen.get(h.id) ?? 0) < levelsOf(h).length);
  return i < 0 ? undefined : numbered(lab, lab.hints[i]!.id);
}

/** Show the next hint in full and remember it. Returns what to print. */
export function takeNextHint(lab: Lab, howMore?: string): string {
  const next = nextUnseen(lab);
  const nn = labNumber(lab.slug);
  howMore ??= `npm run hint -- ${nn}`;
  if (!next) {
    if (lab.hints.length === 0) return `Lab ${nn} — ${lab.title} has no hints.`;
    return `You have seen all ${lab.hints.length} hints for lab ${nn} — ${lab.title}.\n` +
      `See them again: npm run hint -- ${nn} --all        Start over: npm run hint -- ${nn} --reset`;
  }
  markSeen(lab, next.hint.id);
  const more = nextUnseen(lab);
  return `${formatHint(next, lab)}\n\n` +
    (more ? `Stuck still? ${howMore} shows hint ${more.n} of ${more.of}.` : `That was the last hint for lab ${nn}.`);
}

export function formatHint(h: NumberedHint, lab: Lab, level = Infinity): string {
  const levels = levelsOf(h.hint);
  const partial = level < levels.length;
  const text = levels[Math.min(level, levels.length) - 1]!;
  return `Hint ${h.n} of ${h.of} for lab ${labNumber(lab.slug)} — ${lab.title}${partial ? ' (the nudge; the rest: npm run hint -- ' + labNumber(lab.slug) + ')' : ''}:\n  ${text}`;
}

/** Every hint already seen, in order, as far as it was seen (`--all`). */
export function seenList(lab: Lab): string {
  const seen = seenLevels(lab);
  const shown = lab.hints.filter((h) => seen.has(h.id));
  if (shown.length === 0) return `No hints seen yet for lab ${labNumber(lab.slug)}. npm run hint -- ${labNumber(lab.slug)} shows the first.`;
  return shown.map((h) => formatHint(numbered(lab, h.id)!, lab, seen.get(h.id))).join('\n\n');
}

/**
 * The hint lines a failing graded test ends with, at `level` (default: all of
 * it). Throws for an id course.json does not list: a test names a hint that is not there.
 */
export function failureHint(lab: Lab, id: string, level = Infinity): string {
  const h = numbered(lab, id);
  if (!h) throw new Error(`test names hint '${id}', which course.json does not list for ${lab.slug}`);
  const levels = levelsOf(h.hint);
  const nn = labNumber(lab.slug);
  if (level < levels.length) {
    return `Hint ${h.n} of ${h.of}, a first nudge: ${levels[level - 1]}\n(The rest of this hint comes if this fails again; or now: npm run hint -- ${nn})`;
  }
  return `Hint ${h.n} of ${h.of}: ${h.hint.text}\n(more hints: npm run hint -- ${nn})`;
}

/**
 * Hints for the failures of one grade, shown one level at a time: a hint
 * comes as its nudge the first time, in full once it has been seen. Each hint
 * is shown at one level per grade, however many tests fail with it, and is
 * remembered as it is shown.
 */
export class HintLevels {
  private chosen = new Map<string, number>();
  constructor(private readonly remember = true) {}

  /** The hint text for a failure in `lab` that names hint `id`, now shown (and remembered). */
  show(lab: Lab, id: string): string {
    const key = `${lab.slug} ${id}`;
    let level = this.chosen.get(key);
    if (level === undefined) {
      level = (seenLevels(lab).get(id) ?? 0) + 1;
      this.chosen.set(key, level);
    }
    const text = failureHint(lab, id, level);
    if (this.remember) {
      try {
        markSeen(lab, id, level);
      } catch {
        /* a read-only state folder must not stop a grade */
      }
    }
    return text;
  }
}
