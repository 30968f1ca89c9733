// Preloaded (NODE_OPTIONS=--import) into the child vitest of a class run: puts
// SOCKET_KIT_VITEST_ARGS on its command line. runLabTests (lib/grader) takes no
// vitest flags; this stands in until it does. Only the vitest CLI process is
// touched; its workers, which load this too, are left as they are.
const extra = process.env.SOCKET_KIT_VITEST_ARGS;
if (extra && process.argv[1]?.endsWith('vitest.mjs') && process.argv[2] === 'run') {
  process.argv.splice(3, 0, ...extra.split(' ').filter(Boolean));
}
