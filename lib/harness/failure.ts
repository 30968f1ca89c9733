// The one error type graded tests throw. Its message is what a student reads,
// so it says what was done, what was expected and what happened instead.

export class LabFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabFailure';
  }
}

/** Timeouts can be stretched on slow machines: SOCKET_KIT_TIMEOUT_SCALE=2. */
export function scaled(ms: number): number {
  const k = Number(process.env.SOCKET_KIT_TIMEOUT_SCALE ?? '1');
  return Math.round(ms * (Number.isFinite(k) && k > 0 ? k : 1));
}

export const seconds = (ms: number) => `${+(ms / 1000).toFixed(1)} s`;
