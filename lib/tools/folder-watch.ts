// Notice that a folder's files changed, the way watch mode does: fs.watch for
// speed AND a stat poll as the safety net (fs.watch misses changes on WSL's
// /mnt drives and network file systems, and editors that save by rename can
// detach it). Both only compare snapshot()s of names, sizes and mtimes, so a
// spurious event costs nothing and one save is reported once, after the
// editor's burst of writes has settled.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { snapshot } from './watch.ts';

export interface FolderWatchOptions {
  /** Stat-poll period: the fallback when fs.watch is blind. */
  pollMs?: number;
  /** Quiet time after a change before `onChange` (editors write in bursts). */
  debounceMs?: number;
  /** Set false to rely on polling alone. */
  fsWatch?: boolean;
}

export class FolderWatch {
  private fsw: FSWatcher | undefined;
  private readonly poller: NodeJS.Timeout;
  private timer: NodeJS.Timeout | undefined;
  private snap: string;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly onChange: () => void,
    private readonly opts: FolderWatchOptions = {},
  ) {
    this.snap = snapshot(dir);
    this.attach();
    this.poller = setInterval(() => this.check(), opts.pollMs ?? 1000);
    this.poller.unref();
  }

  /** True while fs.watch works; false means polling alone. */
  get fsWatchLive(): boolean {
    return this.fsw !== undefined;
  }

  private attach(): void {
    if (this.opts.fsWatch === false || !existsSync(this.dir)) return;
    try {
      this.fsw = watch(this.dir, { persistent: false }, () => this.check());
      this.fsw.on('error', () => {
        // Folder replaced, watch limit reached, unsupported file system: polling carries on.
        this.fsw?.close();
        this.fsw = undefined;
      });
    } catch {
      this.fsw = undefined;
    }
  }

  private check(): void {
    if (this.closed) return;
    if (!this.fsw) this.attach(); // the folder came back
    const now = snapshot(this.dir);
    if (now === this.snap) return;
    this.snap = now;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => !this.closed && this.onChange(), this.opts.debounceMs ?? 200);
  }

  close(): void {
    this.closed = true;
    this.fsw?.close();
    clearInterval(this.poller);
    clearTimeout(this.timer);
  }
}
