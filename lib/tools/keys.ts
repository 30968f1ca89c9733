// Single-key commands for a running tool (watch mode's h, g, q), read in raw
// mode when a person is at the terminal. Ctrl-C still quits.
import readline from 'node:readline';

export function onKeys(handlers: Record<string, () => void>, quit: () => void): () => void {
  const input = process.stdin;
  if (!input.isTTY) return () => {};
  readline.emitKeypressEvents(input);
  input.setRawMode(true);
  const listener = (_: string, key: { name?: string; ctrl?: boolean; sequence?: string }) => {
    if (key.ctrl && (key.name === 'c' || key.name === 'd')) return quit();
    const name = key.name === 'return' ? 'enter' : (key.name ?? key.sequence ?? '');
    handlers[name]?.();
  };
  input.on('keypress', listener);
  input.resume();
  return () => {
    input.off('keypress', listener);
    if (input.isTTY) input.setRawMode(false);
    input.pause();
  };
}
