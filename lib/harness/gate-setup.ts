// vitest globalSetup: one gate folder (gate.ts) for the whole run, shared by
// its workers, removed at the end. A run started by the grader already has
// one (SOCKET_KIT_GATE) and keeps it.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): (() => void) | undefined {
  if (process.env.SOCKET_KIT_GATE) return undefined;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'socket-kit-gate-'));
  process.env.SOCKET_KIT_GATE = dir;
  return () => {
    rmSync(dir, { recursive: true, force: true });
    delete process.env.SOCKET_KIT_GATE;
  };
}
