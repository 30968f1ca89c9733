// The load run: N clients at once, each running full sessions (log in, STAT,
// UIDL, RETR of every message, QUIT) back to back until time is up. Every
// client has its own user, so no session waits on another's maildrop lock.
import { fullSession } from './client.ts';

export interface LoadResult {
  sessions: number;
  seconds: number;
  octets: number;
  latenciesMs: number[];
  errors: number;
  firstError?: string;
}

const MAX_ERRORS = 200; // a broken server stops the run early instead of spinning

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function summary(r: LoadResult) {
  const sorted = [...r.latenciesMs].sort((a, b) => a - b);
  return {
    sessionsPerSec: r.sessions / r.seconds,
    mbPerSec: r.octets / r.seconds / 1e6,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}

/** `warmupS` seconds not counted, then `seconds` measured; sessions in flight at the end finish (each bounded). */
export async function loadRun(port: number, users: { user: string; password: string }[], seconds: number, warmupS = 1): Promise<LoadResult> {
  const result: LoadResult = { sessions: 0, seconds, octets: 0, latenciesMs: [], errors: 0 };
  const start = Date.now() + warmupS * 1000;
  const end = start + seconds * 1000;
  const worker = async ({ user, password }: { user: string; password: string }) => {
    while (Date.now() < end && result.errors < MAX_ERRORS) {
      const t0 = performance.now();
      const began = Date.now();
      try {
        const octets = await fullSession(port, user, password);
        const ms = performance.now() - t0;
        if (began >= start && Date.now() <= end) {
          result.sessions++;
          result.octets += octets;
          result.latenciesMs.push(ms);
        }
      } catch (e) {
        result.errors++;
        result.firstError ??= (e as Error).message;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  };
  await Promise.all(users.map(worker));
  return result;
}
