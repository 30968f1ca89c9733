// The progress line of a class run: a bar, students done, who is being graded
// now, and an ETA from the pace so far. On a terminal it redraws one line; in a
// log (CI, a pipe) it prints one line per finished student instead.
import { formatDuration } from './time.ts';

export class Progress {
  private done = 0;
  private current = new Set<string>();
  private readonly started = Date.now();
  private readonly tty: boolean;

  constructor(
    private total: number,
    private out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = out.isTTY === true;
  }

  begin(student: string): void {
    this.current.add(student);
    this.draw();
  }

  end(student: string, summary: string): void {
    this.current.delete(student);
    this.done++;
    if (this.tty) {
      this.out.write(`\r\x1b[K  ${student}: ${summary}\n`);
      this.draw();
    } else {
      this.out.write(`[${this.done}/${this.total}] ${student}: ${summary}  (${this.eta()})\n`);
    }
  }

  /** Something to say about a student before their grade (a folder the grader did not recognise). */
  note(student: string, text: string): void {
    this.out.write(this.tty ? `\r\x1b[K  ${student}: note: ${text}\n` : `  ${student}: note: ${text}\n`);
    this.draw();
  }

  eta(): string {
    if (this.done === 0) return 'ETA …';
    const per = (Date.now() - this.started) / this.done;
    return `ETA ${formatDuration(per * (this.total - this.done))}`;
  }

  private draw(): void {
    if (!this.tty) return;
    const width = 24;
    const filled = Math.round((this.done / Math.max(1, this.total)) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const now = [...this.current].join(', ');
    const line = `  ${bar} ${this.done}/${this.total}  ${this.eta()}  grading: ${now || '—'}`;
    this.out.write(`\r\x1b[K${line.slice(0, (this.out.columns || 100) - 1)}`); // a pseudo-terminal may report 0 columns
  }

  finish(): void {
    if (this.tty) this.out.write(`\r\x1b[K`);
  }
}
