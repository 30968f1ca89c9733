// Graded hints: each lab's hints come in course.json order, from a nudge to
// nearly the answer. `npm run hint -- NN` shows the first one not yet seen and
// remembers it; a failing test that shows a hint marks it seen too.
//
// Seen hints live in an append-only log (one "slug id" per line) in the state
// folder: graded tests run in parallel workers, and appending a short line is
// safe where read-modify-write of a JSON file would lose updates.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Hint, Lab } from '../course.ts';
import { labNumber, statePath } from './state.ts';

const LOG = () => statePath('hints-seen.log');

/** Hint ids already seen for a lab. */
export function seenHints(lab: Lab): Set<string> {
  let text = '';
  try {
    text = readFileSync(LOG(), 'utf8');
  } catch {
    /* nothing seen yet */
  }
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const [slug, id] = line.trim().split(/\s+/);
    if (slug === lab.slug && id) seen.add(id);
  }
  return seen;
}

export function markSeen(lab: Lab, id: string): void {
  if (seenHints(lab).has(id)) return;
  mkdirSync(path.dirname(LOG()), { recursive: true });
  appendFileSync(LOG(), `${lab.slug} ${id}\n`);
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

/** The first hint, in order, not seen yet; undefined once all have been. */
export function nextUnseen(lab: Lab): NumberedHint | undefined {
  const seen = seenHints(lab);
  const i = lab.hints.findIndex((h) => !seen.has(h.id));
  return i < 0 ? undefined : numbered(lab, lab.hints[i]!.id);
}

/** Show the next hint and remember it. Returns what to print. */
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

export function formatHint(h: NumberedHint, lab: Lab): string {
  return `Hint ${h.n} of ${h.of} for lab ${labNumber(lab.slug)} — ${lab.title}:\n  ${h.hint.text}`;
}

/** Every hint already seen, in order (`--all`). */
export function seenList(lab: Lab): string {
  const seen = seenHints(lab);
  const shown = lab.hints.map((h, i) => ({ h, n: i + 1 })).filter(({ h }) => seen.has(h.id));
  if (shown.length === 0) return `No hints seen yet for lab ${labNumber(lab.slug)}. npm run hint -- ${labNumber(lab.slug)} shows the first.`;
  return shown.map(({ h, n }) => formatHint({ hint: h, n, of: lab.hints.length }, lab)).join('\n\n');
}

/** The hint a failure message shows ("Hint 2 of 5: ..."), if any. */
export function hintIn(lab: Lab, message: string | undefined): Hint | undefined {
  const m = /^Hint (\d+) of \d+: /m.exec(message ?? '');
  return m ? lab.hints[Number(m[1]) - 1] : undefined;
}

/**
 * The hint line a failing graded test ends with: which hint it is, and how to
 * get the next. With `remember`, marks it seen (watch mode does, for the one failure it shows).
 */
export function failureHint(lab: Lab, id: string, remember: boolean): string {
  const h = numbered(lab, id);
  if (!h) throw new Error(`test names hint '${id}', which course.json does not list for ${lab.slug}`);
  if (remember) {
    try {
      markSeen(lab, id);
    } catch {
      /* a read-only state folder must not turn a failing test into a crash */
    }
  }
  return `Hint ${h.n} of ${h.of}: ${h.hint.text}\n(more hints: npm run hint -- ${labNumber(lab.slug)})`;
}
