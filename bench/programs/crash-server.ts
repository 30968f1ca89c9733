// A server that starts, prints its readiness line, and crashes on the first
// byte or datagram a client sends (the usual starter TODO, say). Stands in for
// any lab's server.ts in the grading benchmark.
import dgram from 'node:dgram';
import net from 'node:net';

const crash = () => {
  throw new Error('TODO: handle the request (the benchmark crashes here on purpose)');
};
const server = net.createServer((s) => s.on('data', crash));
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as net.AddressInfo;
  const udp = dgram.createSocket('udp4');
  udp.on('message', crash);
  udp.on('error', () => {});
  udp.bind(port, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${port}`));
});
if (process.argv.includes('--stdio')) process.stdin.on('data', crash);
