// A server that honours the lab contract and nothing more: it listens (TCP and
// UDP on one port), prints its readiness line, reads everything and never
// answers. Stands in for any lab's server.ts in the grading benchmark.
import dgram from 'node:dgram';
import net from 'node:net';

const server = net.createServer({ allowHalfOpen: true }, (s) => {
  s.on('data', () => {});
  s.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo;
  const udp = dgram.createSocket('udp4');
  udp.on('message', () => {});
  udp.on('error', () => {}); // the port may be taken for UDP: a TCP lab does not care
  udp.bind(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
});
if (process.argv.includes('--stdio')) process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
