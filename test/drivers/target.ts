// The grader's handle on the student code a property test exercises: send it a
// list of operations, get back what each returned or threw. Two kinds:
//   sandboxedTarget  the lab's module bundled with framing-worker.ts and run as
//                    a program (sandboxed in a class run); the grader never
//                    imports student code, and no output of it is a verdict
//   localTarget      a module imported here (the kit's own tests of the
//                    reference decoders and of the properties themselves)
// Both go through the same encoding, so the properties see the same values.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LabFailure, scaled, seconds } from '../../lib/harness/index.ts';
import { crashSummary, startProgram, type ServerProcess } from '../../lib/harness/program.ts';
import { privateTmpDir } from '../../lib/harness/private-dir.ts';
import { sandboxEnabled } from '../../lib/harness/sandbox.ts';
import { kitPath, shownPath } from '../../lib/paths.ts';
import { decode, encode, execute, REPLY_MARK, type Op, type Outcome } from './framing-worker.ts';

export type { Op } from './framing-worker.ts';

/** What one operation gave, as the properties read it. */
export type Result = { value: unknown } | { threw: string };

export interface Target {
  /** Run operations in order; stops after the first that throws. */
  run(ops: Op[]): Promise<Result[]>;
  close(): Promise<void>;
}

/** The student's code can no longer answer (it hung, crashed or exited): the property fails with this. */
export class TargetGone extends Error {}

// Builders for the operations the properties use.
export const make = (cls: string, ...args: unknown[]): Op => ({ new: cls, args });
export const push = (chunk: Buffer): Op => ({ call: 'push', args: [chunk] });
export const end = (): Op => ({ call: 'end' });
export const fn = (name: string, ...args: unknown[]): Op => ({ fn: name, args });
export const get = (name: string): Op => ({ get: name });

/** The first thing thrown, if any. */
export const firstThrow = (rs: Result[]): string | undefined => rs.find((r): r is { threw: string } => 'threw' in r)?.threw;
/** A push() result as a list (what flatMap made of it before). */
export const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

const toResults = (outs: Outcome[]): Result[] => outs.map((o) => ('t' in o ? { threw: o.t } : { value: decode(o.v) }));
const wire = (ops: Op[]): Op[] => ops.map((op) => ('args' in op && op.args ? { ...op, args: op.args.map((a) => encode(a)) } : op));

export function localTarget(mod: object): Target {
  return {
    run: async (ops) => toResults(JSON.parse(JSON.stringify(execute(mod as Record<string, unknown>, JSON.parse(JSON.stringify(wire(ops))))))),
    close: async () => {},
  };
}

/**
 * The entry that bundles the worker with the student's module. Under the
 * sandbox it is written beside the module (a private, root-owned copy) and
 * bundled there; otherwise into this user's private temp folder.
 */
function entryFor(file: string): string {
  const text =
    `// Made by the grader (test/drivers/target.ts): the student's module, served to the property tests.\n` +
    `import * as mod from ${JSON.stringify(file)};\n` +
    `import { serve } from ${JSON.stringify(kitPath('test', 'drivers', 'framing-worker.ts'))};\n` +
    `serve(mod as Record<string, unknown>);\n`;
  let entry: string;
  if (sandboxEnabled()) {
    entry = path.join(path.dirname(file), '.socket-kit-worker.ts');
  } else {
    const dir = privateTmpDir('socket-kit-drivers');
    if (!dir) throw new Error('no private temp folder for the property-test driver');
    entry = path.join(dir, `${createHash('sha1').update(file).digest('hex').slice(0, 16)}.ts`);
  }
  if (!existsSync(entry) || readFileSync(entry, 'utf8') !== text) writeFileSync(entry, text);
  return entry;
}

/** Start the student's module in a worker program and wait until it answers. */
export async function sandboxedTarget(file: string): Promise<Target> {
  if (!existsSync(file)) throw new LabFailure(`${shownPath(file)} does not exist. Is the lab folder complete?`);
  const server = startProgram(entryFor(file), { cwd: path.dirname(file) });
  const t = new WorkerTarget(server, file);
  await t.ready();
  return t;
}

class WorkerTarget implements Target {
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  private gone: string | undefined;

  constructor(
    private readonly server: ServerProcess,
    private readonly file: string,
  ) {
    server.child.stdout!.on('data', (c: Buffer) => this.onData(c));
    server.onExit(() => this.fail(`the program that runs your ${path.basename(file)} ${server.howItEnded()}:\n${crashSummary(server.stderr.text())}`));
  }

  private onData(chunk: Buffer): void {
    this.buf += chunk.toString('utf8');
    if (this.buf.length > 64 * 1024 * 1024) {
      this.buf = '';
      return;
    }
    for (let nl = this.buf.indexOf('\n'); nl >= 0; nl = this.buf.indexOf('\n')) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      // Anything the student's code prints is skipped; a reply is matched to its request by id.
      const m = new RegExp(`${REPLY_MARK} (\\d+) (.*)$`).exec(line);
      const waiting = m && this.pending.get(Number(m[1]));
      if (!m || !waiting) continue;
      this.pending.delete(Number(m[1]));
      try {
        waiting.resolve(JSON.parse(m[2]!));
      } catch {
        waiting.reject(new TargetGone('the program that runs your code garbled its reply'));
      }
    }
  }

  private fail(why: string): void {
    this.gone ??= why;
    for (const p of this.pending.values()) p.reject(new TargetGone(this.gone));
    this.pending.clear();
  }

  private request(id: number, line: string | undefined, ms: number, waitingFor: string): Promise<unknown> {
    if (this.gone) return Promise.reject(new TargetGone(this.gone));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(`${waitingFor} did not return within ${seconds(ms)}: an endless loop, or a wait for something that never comes?`);
        void this.server.stop();
      }, ms);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      if (line !== undefined) this.server.child.stdin!.write(line);
    });
  }

  async ready(): Promise<void> {
    try {
      await this.request(0, undefined, scaled(15_000), `loading ${path.basename(this.file)}`);
    } catch (e) {
      await this.close();
      throw new LabFailure((e as Error).message);
    }
  }

  async run(ops: Op[]): Promise<Result[]> {
    const id = this.nextId++;
    const reply = (await this.request(id, `${JSON.stringify({ id, ops: wire(ops) })}\n`, scaled(5000), 'your code')) as { results?: Outcome[] };
    if (!Array.isArray(reply.results)) throw new TargetGone('the program that runs your code sent a reply without results');
    return toResults(reply.results);
  }

  async close(): Promise<void> {
    this.server.child.stdin!.end();
    await this.server.waitExit(scaled(1000));
    await this.server.stop();
  }
}
