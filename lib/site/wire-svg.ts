// A conversation drawn as an SVG sequence diagram, on the server: a lifeline
// for the client (one per connection, up to three) and one for the server,
// an arrow per message with its bytes (CR/LF and binary made visible), and the
// events a text transcript hides: closes (FIN), resets (RST), waits that ran
// out, writes split into pieces, a program that ended. Where a test failed,
// what came is drawn in red and what was expected beside it, dashed.
//
// The figure keeps its natural size and scrolls sideways inside its frame, so
// the bytes stay readable on a phone. Colours are CSS classes (site.css), so
// dark mode and print apply. The picture is described by the transcript text,
// which the page shows next to it (aria-describedby).
import { showLine, type Wire, type WireEntry } from '../harness/transcript.ts';
import { escapeHtml, html, raw, type Html } from './html.ts';

/** Monospace advance at the 12px the labels use (DejaVu Sans Mono, Menlo, SF Mono are 0.60–0.61 em). */
const CW = 7.3;
const MAX_CHARS = 58;
const HEAD_W = 80;
const HEAD_H = 28;
const TOP = 10;
const LANE_GAP = 96;
const MAX_LANES = 3;
const MAX_PIECES = 6;

interface Seg {
  t: string;
  cls?: string;
}

/** Stroke and text class for each side: the client's colour, the server's. */
const sideClass = (who: 'C' | 'S' | undefined) => (who === 'S' ? 's' : 'c');

const ESCAPES: Record<number, string> = { 0x0d: '\\r', 0x0a: '\\n', 0x09: '\\t', 0x00: '\\0' };
const escaped = (b: number) => ESCAPES[b] ?? `\\x${b.toString(16).padStart(2, '0')}`;
const printable = (b: number) => b >= 0x20 && b < 0x7f;

/**
 * Bytes as text: printable ASCII as it is, anything else escaped as C writes
 * it (\r \n \0 \xff) in another colour, a run of one such byte counted
 * (\0×50). A line's proper CRLF ending is shown small and grey; a bare LF is
 * called out, since that is where line-protocol bugs hide.
 */
function visible(bytes: Buffer, lineEnd: boolean): Seg[] {
  const segs: Seg[] = [];
  const push = (t: string, cls?: string) => {
    const last = segs[segs.length - 1];
    if (last && last.cls === cls) last.t += t;
    else segs.push(cls ? { t, cls } : { t });
  };
  let end = bytes.length;
  let ending: Seg[] = [];
  if (lineEnd && end >= 2 && bytes[end - 2] === 0x0d && bytes[end - 1] === 0x0a) {
    end -= 2;
    ending = [{ t: '\\r\\n', cls: 'crlf' }];
  } else if (lineEnd && bytes[end - 1] === 0x0a) {
    end -= 1;
    ending = [{ t: '\\n', cls: 'ctl' }, { t: ' bare LF', cls: 'b w-bad' }];
  }
  for (let i = 0; i < end; ) {
    const b = bytes[i]!;
    if (printable(b)) {
      push(String.fromCharCode(b));
      i++;
      continue;
    }
    let j = i;
    while (j < end && bytes[j] === b) j++;
    push(j - i >= 4 ? `${escaped(b)}×${j - i}` : escaped(b).repeat(j - i), 'ctl');
    i = j;
  }
  return [...segs, ...ending];
}

const said = (e: WireEntry) => (e.line ?? '').replace(/^[CS#]\d*: ?/, '');

/** What an arrow says: the bytes as the transcript notation shows them, made visible. */
export function messageLabel(e: WireEntry): Seg[] {
  if (e.line === undefined && e.bytes !== undefined) return messageLabel({ ...e, line: `S: <${e.size} bytes>` });
  const text = said(e);
  if (e.bytes === undefined) return [{ t: text }];
  const bytes = Buffer.from(e.bytes, 'base64');
  const size = e.size ?? bytes.length;
  const whole = size === bytes.length;
  if (whole && text === showLine(bytes) && /\n$/.test(bytes.toString('latin1'))) return visible(bytes, true);
  if (text.startsWith('"') && whole) return [{ t: '"', cls: 'q' }, ...visible(bytes, false), { t: '"', cls: 'q' }];
  if (text.startsWith('<') && /^<\d+ bytes/.test(text)) {
    // Mostly text (a padded record, say): the characters tell more than hex would.
    const chars = bytes.filter(printable).length;
    const asText = visible(bytes, false);
    if (chars >= 4 && plain(asText).length <= 2 * chars) {
      return [{ t: '"', cls: 'q' }, ...asText, { t: whole ? '"' : '…', cls: 'q' }, { t: `  ${size.toLocaleString('en')} bytes`, cls: 'm' }];
    }
    const head = [...bytes.subarray(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    return [{ t: `${size.toLocaleString('en')} bytes`, cls: 'b' }, { t: size ? `  ${head}${size > 8 ? ' …' : ''}` : '', cls: 'hex' }];
  }
  // A label the test chose ("record "hello" + 50 NUL"): it says more than the bytes would.
  return [{ t: text }, { t: `  (${size.toLocaleString('en')} bytes)`, cls: 'm' }];
}

/** Cut segments to `max` characters, marking the cut. */
function clip(segs: Seg[], max = MAX_CHARS): Seg[] {
  const out: Seg[] = [];
  let left = max;
  for (const s of segs) {
    if (left <= 0) break;
    if ([...s.t].length <= left) {
      out.push(s);
      left -= [...s.t].length;
    } else {
      out.push({ ...s, t: [...s.t].slice(0, left - 1).join('') + '…' });
      left = 0;
    }
  }
  return out;
}

const width = (segs: Seg[]) => segs.reduce((n, s) => n + [...s.t].length, 0) * CW;

const tspans = (segs: Seg[]) => segs.map((s) => (s.cls ? `<tspan class="w-${s.cls}">${escapeHtml(s.t)}</tspan>` : escapeHtml(s.t))).join('');

const plain = (segs: Seg[]) => segs.map((s) => s.t).join('');

function seconds(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

export function exitText(e: WireEntry): string {
  const x = e.exit;
  const who = e.who === 'C' ? 'client' : 'server';
  if (!x) return `the ${who} ended`;
  return x.signal ? `the ${who} was killed (${x.signal})` : `the ${who} exited with code ${x.code}`;
}

/** One row of the picture, before it is placed: its kind, its label, and how tall it is. */
interface Row {
  e?: WireEntry;
  /** 'got': what came instead of what was expected; 'expected': the ghost of what should have. */
  role?: 'got' | 'expected';
  kind: WireEntry['kind'] | 'omitted' | 'expected' | 'nothing';
  segs: Seg[];
  /** A second line of label (what was expected can be long). */
  more?: Seg[];
  /** The label's full text, when the drawing had to cut it. */
  full?: string;
  h: number;
}

function rowsOf(wire: Wire): Row[] {
  const rows: Row[] = [];
  const mark = wire.mark;
  const entries = wire.entries;
  // What came instead: the marked reply itself, or (after a line we sent) the events that followed it.
  const markAt = mark?.at ?? -2;
  const markedReply = mark && markAt >= 0 && entries[markAt]?.kind === 'receive';
  const gotFrom = !mark ? Infinity : markedReply ? markAt : markAt + 1;
  entries.forEach((e, i) => {
    if (wire.omitted && wire.omitted.at === i) rows.push({ kind: 'omitted', segs: [{ t: `⋯ ${wire.omitted.count} more events, not shown ⋯` }], h: 28 });
    const role = i >= gotFrom && e.kind !== 'note' ? 'got' : undefined;
    rows.push(rowFor(e, role));
  });
  if (wire.omitted && wire.omitted.at >= entries.length) rows.push({ kind: 'omitted', segs: [{ t: `⋯ ${wire.omitted.count} more events, not shown ⋯` }], h: 28 });
  if (mark) {
    if (!rows.some((r) => r.role === 'got')) rows.push({ kind: 'nothing', role: 'got', segs: [{ t: 'nothing came back' }], h: 30 });
    rows.push({ kind: 'expected', role: 'expected', segs: [{ t: mark.expected }], h: 40 });
  }
  for (const r of rows) {
    const all = plain(r.segs);
    if (r.kind === 'expected' && all.length > MAX_CHARS) {
      const at = all.lastIndexOf(' ', MAX_CHARS);
      const cut = at > MAX_CHARS / 2 ? at : MAX_CHARS;
      r.segs = [{ t: all.slice(0, cut) }];
      r.more = clip([{ t: all.slice(cut).trim() }]);
      if (plain(r.more) !== all.slice(cut).trim()) r.full = all;
      r.h += 14;
      continue;
    }
    const cut = clip(r.segs, r.kind === 'note' || r.kind === 'omitted' ? 80 : MAX_CHARS);
    if (plain(cut) !== plain(r.segs)) r.full = plain(r.segs);
    r.segs = cut;
  }
  return rows;
}

function rowFor(e: WireEntry, role: 'got' | undefined): Row {
  switch (e.kind) {
    case 'send':
    case 'receive':
      return { e, role, kind: e.kind, segs: messageLabel(e), h: 40 };
    case 'note':
      return { e, kind: 'note', segs: [{ t: said(e) }], h: 30 };
    case 'close-fin':
      return { e, role, kind: e.kind, segs: [{ t: 'FIN', cls: 'b' }, { t: e.who === 'C' ? '  the client has nothing more to send' : '  the server closed its side', cls: 'm' }], h: 36 };
    case 'reset':
      return { e, role, kind: e.kind, segs: [{ t: 'RST', cls: 'b' }, { t: '  the connection was reset', cls: 'm' }], h: 36 };
    case 'timeout':
      return { e, role, kind: e.kind, segs: [{ t: `waited ${seconds(e.ms ?? 0)}: nothing came` }], h: 46 };
    case 'exit':
      return { e, role, kind: e.kind, segs: [{ t: exitText(e) }], h: 38 };
    case 'call':
      return { e, kind: e.kind, segs: [{ t: said(e) }], h: 30 };
    case 'segment':
      return { e, role, kind: e.kind, segs: [{ t: said(e), cls: 'b' }], h: 32 };
    case 'pieces': {
      const n = e.pieces?.length ?? 0;
      const total = e.size ?? (e.pieces ?? []).reduce((a, b) => a + b, 0);
      const shown = n <= MAX_PIECES + 1 ? n : MAX_PIECES;
      return {
        e,
        role,
        kind: e.kind,
        segs: [{ t: `${total.toLocaleString('en')} bytes in ${(e.count ?? n).toLocaleString('en')} pieces`, cls: 'b' }],
        h: 34 + shown * 17 + (n > shown ? 16 : 4),
      };
    }
  }
}

/** The pieces of a chaos write that the picture labels one by one. */
function pieceLabels(e: WireEntry): Seg[][] {
  const bytes = e.bytes ? Buffer.from(e.bytes, 'base64') : Buffer.alloc(0);
  const out: Seg[][] = [];
  let at = 0;
  const all = e.pieces ?? [];
  for (const n of all.length <= MAX_PIECES + 1 ? all : all.slice(0, MAX_PIECES)) {
    const part = bytes.subarray(at, at + n);
    at += n;
    const text = part.length === n ? [{ t: '"', cls: 'q' }, ...visible(part, false), { t: '"', cls: 'q' }] : [];
    out.push([{ t: `${n} B`, cls: 'm' }, { t: text.length ? '  ' : '' }, ...text]);
  }
  return out;
}

export interface WireSvgOptions {
  /** A prefix for ids inside the SVG (marker ids must be unique in the page). */
  id: string;
  /** The id of the element holding the transcript as text: the picture's description. */
  describedBy?: string;
  /** A one-line name for the picture (read first by screen readers). */
  title?: string;
}

export function wireSvg(wire: Wire, opts: WireSvgOptions): Html {
  const rows = rowsOf(wire);
  const conns = [...new Set(wire.entries.map((e) => e.conn ?? 1))].sort((a, b) => a - b);
  const laned = conns.length > 1 && conns.length <= MAX_LANES;
  const tagged = conns.length > MAX_LANES;
  if (tagged) {
    for (const r of rows) if (r.e?.conn && (r.kind === 'send' || r.kind === 'receive')) r.segs = [{ t: `#${r.e.conn} `, cls: 'm' }, ...clip(r.segs, MAX_CHARS - 4)];
  }
  const gutter = wire.mark ? 60 : 12;
  const clientX = (conn = 1) => gutter + HEAD_W / 2 + (laned ? conns.indexOf(conn) * LANE_GAP : 0);
  const lastClient = clientX(laned ? conns[conns.length - 1] : 1);
  // The server sits far enough right for the widest label between any client and it.
  let serverX = lastClient + 260;
  for (const r of rows) {
    const from = r.e?.conn && laned ? clientX(r.e.conn) : clientX(conns[0]);
    // A call's box hangs inward from its side's header: it must not reach the other side's lifeline.
    const w =
      r.kind === 'pieces' ? Math.max(width(r.segs), ...pieceLabels(r.e!).map(width)) + 60
      : r.kind === 'call' ? width(r.segs) + 16 + 24 - HEAD_W / 2
      : r.kind === 'timeout' || r.kind === 'exit' ? width(r.segs) + 50
      : width(r.segs) + 40;
    serverX = Math.max(serverX, from + w);
  }
  serverX = Math.ceil(serverX);
  const W = serverX + HEAD_W / 2 + 14;
  const xOf = (who: 'C' | 'S' | undefined, conn?: number) => (who === 'S' ? serverX : clientX(laned ? conn ?? conns[0] : conns[0]));

  const id = opts.id;
  const body: string[] = [];
  let y = TOP + HEAD_H + 14;
  let serverEnd: number | undefined;
  const text = (x: number, yy: number, segs: Seg[], cls: string, anchor = 'start') =>
    `<text x="${x.toFixed(1)}" y="${yy}" class="${cls}"${anchor === 'start' ? '' : ` text-anchor="${anchor}"`}>${tspans(segs)}</text>`;
  const arrow = (x1: number, y1: number, x2: number, y2: number, cls: string, marker = 'head') =>
    `<line x1="${x1.toFixed(1)}" y1="${y1}" x2="${x2.toFixed(1)}" y2="${y2}" class="w-arrow ${cls}" marker-end="url(#${id}-${marker})"/>`;

  // The band behind what came and what was expected, and the words naming each.
  let bandTop: number | undefined;
  let bandBottom = 0;

  for (const r of rows) {
    const top = y;
    if (r.role && bandTop === undefined) bandTop = top - 4;
    const who = r.e?.who;
    const crashed = r.kind === 'exit' && !(r.e?.exit?.code === 0 && !r.e.exit.signal);
    const cls = r.role === 'got' || crashed ? 'w-bad' : r.role === 'expected' ? 'w-ok' : `w-${sideClass(who)}`;
    const conn = r.e?.conn;
    const tip = r.full ? `<title>${escapeHtml(r.full)}</title>` : '';
    switch (r.kind) {
      case 'send':
      case 'receive':
      case 'segment':
      case 'close-fin':
      case 'reset': {
        const fromX = xOf(who, conn);
        const toX = xOf(who === 'C' ? 'S' : 'C', conn);
        const dir = toX > fromX ? 1 : -1;
        // Every label starts by the client's lifeline: one column to read, and on a phone the words are in view.
        const labelX = Math.min(fromX, toX) + 12;
        const dashed = r.kind === 'close-fin' || r.kind === 'segment' ? ' w-dashed' : '';
        body.push(`<g class="w-row w-${r.kind}">${tip}${text(labelX, top + 14, r.segs, `w-label ${cls}`)}`);
        const lost = r.e?.lost;
        const endX = lost ? (fromX + toX) / 2 : toX - dir * 3;
        body.push(arrow(fromX, top + 22, endX, lost ? top + 26 : top + 30, `${cls}${dashed}`, r.kind === 'reset' || lost ? 'cross' : 'head'));
        if (lost) body.push(text(endX + dir * 10, top + 30, [{ t: 'lost', cls: 'm' }], 'w-piece', dir > 0 ? 'start' : 'end'));
        body.push('</g>');
        break;
      }
      case 'pieces': {
        const fromX = xOf(who, conn);
        const toX = xOf(who === 'C' ? 'S' : 'C', conn);
        const dir = toX > fromX ? 1 : -1;
        body.push(`<g class="w-row w-pieces">${tip}${text(Math.min(fromX, toX) + 12, top + 14, r.segs, `w-label ${cls}`)}`);
        const labels = pieceLabels(r.e!);
        labels.forEach((segs, k) => {
          const yy = top + 34 + k * 17;
          body.push(arrow(fromX, yy, toX - dir * 3, yy + 3, `${cls} w-thin`));
          body.push(text(Math.min(fromX, toX) + 14, yy - 3, clip(segs, 40), 'w-piece'));
        });
        const more = (r.e!.count ?? r.e!.pieces?.length ?? 0) - labels.length;
        if (more > 0) body.push(text(Math.min(fromX, toX) + 14, top + 34 + labels.length * 17 + 4, [{ t: `… and ${more.toLocaleString('en')} more pieces`, cls: 'm' }], 'w-piece'));
        body.push('</g>');
        break;
      }
      case 'timeout': {
        const x = xOf(who ?? 'C', conn);
        const right = x < serverX;
        body.push(`<g class="w-row w-timeout">${tip}<line x1="${x + (right ? 5 : -5)}" y1="${top + 4}" x2="${x + (right ? 5 : -5)}" y2="${top + 36}" class="w-wait ${cls}"/>`);
        const cx = x + (right ? 19 : -19);
        body.push(`<g class="w-clock ${cls}"><circle cx="${cx}" cy="${top + 13}" r="6.5"/><path d="M${cx} ${top + 9} V${top + 13} H${cx + 3}"/></g>`);
        body.push(text(x + (right ? 30 : -30), top + 17, r.segs, `w-label ${cls}`, right ? 'start' : 'end') + '</g>');
        break;
      }
      case 'exit': {
        const x = xOf(who ?? 'S', conn);
        const left = x === serverX;
        body.push(`<g class="w-row w-exit">${tip}<path d="M${x - 7} ${top + 8} l14 14 m0 -14 l-14 14" class="w-x ${cls}"/>`);
        body.push(text(x + (left ? -16 : 16), top + 20, r.segs, `w-label ${cls}`, left ? 'end' : 'start') + '</g>');
        if (who !== 'C') serverEnd = top + 15;
        break;
      }
      case 'call': {
        const x = xOf(who, conn);
        const w = width(r.segs) + 16;
        const left = who === 'S' ? x + HEAD_W / 2 - w : x - HEAD_W / 2;
        body.push(`<g class="w-row w-call">${tip}<rect x="${left.toFixed(1)}" y="${top + 2}" width="${w.toFixed(1)}" height="22" rx="4" class="w-callbox w-${sideClass(who)}"/>${text(left + 8, top + 17, r.segs, 'w-label')}</g>`);
        break;
      }
      case 'note':
      case 'omitted': {
        const x1 = clientX(conns[0]) - HEAD_W / 2 + 6;
        const x2 = serverX + HEAD_W / 2 - 6;
        body.push(`<g class="w-row w-${r.kind}">${tip}${r.kind === 'note' ? `<rect x="${x1}" y="${top + 2}" width="${x2 - x1}" height="22" rx="4" class="w-notebox"/>` : ''}${text((x1 + x2) / 2, top + 17, r.segs, 'w-label w-m', 'middle')}</g>`);
        break;
      }
      case 'nothing': {
        const x = clientX(conns[0]);
        body.push(`<g class="w-row w-nothing">${text(x + 12, top + 18, r.segs, 'w-label w-bad')}</g>`);
        break;
      }
      case 'expected': {
        const fromX = serverX;
        const toX = clientX(conns[0]);
        const drop = r.more ? 14 : 0;
        body.push(`<g class="w-row w-expected">${tip}${text(toX + 12, top + 14, r.segs, 'w-label w-ok')}`);
        if (r.more) body.push(text(toX + 12, top + 28, r.more, 'w-label w-ok'));
        body.push(arrow(fromX, top + 22 + drop, toX + 3, top + 30 + drop, 'w-ok w-dashed', 'open') + '</g>');
        break;
      }
    }
    y += r.h;
    if (r.role) bandBottom = y;
  }
  const H = y + 8;

  // Lifelines, drawn under everything else.
  const lanes: string[] = [];
  const lifeline = (x: number, end: number, cls: string) => `<line x1="${x}" y1="${TOP + HEAD_H}" x2="${x}" y2="${end}" class="w-life ${cls}"/>`;
  const head = (x: number, label: string, cls: string) =>
    `<g class="w-head ${cls}"><rect x="${x - HEAD_W / 2}" y="${TOP}" width="${HEAD_W}" height="${HEAD_H}" rx="6"/><text x="${x}" y="${TOP + 18.5}" text-anchor="middle">${escapeHtml(label)}</text></g>`;
  const clientLanes = laned ? conns : [conns[0]!];
  for (const c of clientLanes) {
    const x = clientX(c);
    lanes.push(lifeline(x, H - 6, 'w-c'), head(x, laned ? `client ${c}` : tagged ? `${conns.length} clients` : 'client', 'w-c'));
  }
  lanes.push(lifeline(serverX, serverEnd ?? H - 6, 's w-s'), head(serverX, 'server', 'w-s'));

  const band =
    bandTop !== undefined
      ? `<rect x="4" y="${bandTop}" width="${W - 8}" height="${bandBottom - bandTop + 2}" rx="6" class="w-band"/>` + tag(rows, TOP + HEAD_H + 14)
      : '';

  const defs = `<defs>
<marker id="${id}-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z" class="w-tip"/></marker>
<marker id="${id}-open" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M1 1 L9 5 L1 9" class="w-tip-open"/></marker>
<marker id="${id}-cross" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="9" markerHeight="9" orient="auto"><path d="M1 1 L9 9 M9 1 L1 9" class="w-tip-open"/></marker>
</defs>`;
  const title = opts.title ?? summary(wire);
  return raw(
    `<svg xmlns="http://www.w3.org/2000/svg" class="wire-svg" width="${Math.ceil(W)}" height="${Math.ceil(H)}" viewBox="0 0 ${Math.ceil(W)} ${Math.ceil(H)}" role="img" aria-labelledby="${id}-title"${opts.describedBy ? ` aria-describedby="${opts.describedBy}"` : ''} focusable="false">` +
      `<title id="${id}-title">${escapeHtml(title)}</title>${defs}${band}${lanes.join('')}${body.join('')}</svg>`,
  );
}

/** The words "got" and "expected" in the left margin, beside their rows. */
function tag(rows: Row[], y0: number): string {
  let y = y0;
  const out: string[] = [];
  let gotDone = false;
  for (const r of rows) {
    if (r.role === 'got' && !gotDone) {
      out.push(`<text x="12" y="${y + 18}" class="w-tag w-bad">got</text>`);
      gotDone = true;
    }
    if (r.role === 'expected') out.push(`<text x="12" y="${y + 18}" class="w-tag w-ok">expected</text>`);
    y += r.h;
  }
  return out.join('');
}

/** One sentence for screen readers before the transcript itself. */
export function summary(wire: Wire): string {
  const n = wire.entries.filter((e) => e.kind === 'send' || e.kind === 'receive').length;
  const base = `A sequence diagram of the conversation between client and server: ${n} message${n === 1 ? '' : 's'}`;
  if (!wire.mark) return `${base}.`;
  return `${base}; where it went wrong, ${wire.mark.expected}.`;
}

export interface WireFigureOptions extends WireSvgOptions {
  /** The transcript as text: shown under the picture (folded) and used as its description. */
  text: string;
  caption?: Html | string;
  /** Show the text open (lessons) or folded under the picture (failures, where the message also holds it). */
  textOpen?: boolean;
}

/** The picture in its scrolling frame, with the transcript as its text alternative. */
export function wireFigure(wire: Wire, opts: WireFigureOptions): Html {
  const textId = `${opts.id}-text`;
  const svg = wireSvg(wire, { ...opts, describedBy: textId });
  return html`<figure class="wire" id="${opts.id}">
<div class="wire-scroll" tabindex="0" role="region" aria-label="${opts.title ?? 'Sequence diagram'} (scrolls sideways)">${svg}</div>
${opts.caption ? html`<figcaption>${opts.caption}</figcaption>` : ''}
<details class="wire-text"${opts.textOpen ? ' open' : ''}><summary>The conversation as text</summary><pre id="${textId}"><code>${opts.text}</code></pre></details>
</figure>`;
}

/** The picture in words: the transcript lines, and the events only the picture shows. Its text alternative. */
export function wireText(wire: Wire): string {
  const lines: string[] = [];
  wire.entries.forEach((e, i) => {
    if (wire.omitted?.at === i) lines.push(`   … ${wire.omitted.count} more events, not shown …`);
    const tag = e.conn ? ` (connection ${e.conn})` : '';
    let line: string;
    if (e.line !== undefined && e.kind !== 'call' && e.kind !== 'segment') line = e.line.replace(/^([CS]):/, `$1:`) + (e.conn && e.kind !== 'note' ? `   [connection ${e.conn}]` : '');
    else if (e.kind === 'send' || e.kind === 'receive') line = `${e.who}: <${e.size} bytes> (not yet a whole reply)${tag}`;
    else if (e.kind === 'timeout') line = `#: (the ${e.who === 'S' ? 'server' : 'client'} waited ${seconds(e.ms ?? 0)}: nothing came${tag})`;
    else if (e.kind === 'close-fin') line = `${e.who}: [FIN]${tag}`;
    else if (e.kind === 'reset') line = `${e.who}: [RST]${tag}`;
    else if (e.kind === 'exit') line = `#: (${exitText(e)})`;
    else if (e.kind === 'pieces') line = `${e.who}: (${e.size ?? '?'} bytes in ${e.count ?? e.pieces?.length ?? '?'} pieces: ${(e.pieces ?? []).slice(0, 12).join('+')}${(e.pieces?.length ?? 0) > 12 ? '…' : ''})`;
    else if (e.kind === 'call') line = `${e.who}| ${e.line ?? ''}`;
    else line = `${e.who}: [${e.line ?? ''}]`;
    lines.push(line + (wire.mark?.at === i ? `   <- ${wire.mark.expected}` : ''));
  });
  if (wire.mark && wire.mark.at < 0) lines.push(`S: (nothing)   <- ${wire.mark.expected}`);
  return lines.join('\n');
}
