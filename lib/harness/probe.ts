// A tiny TCP program the kit starts the way it starts a lab's programs, to
// learn how slow the machine is right now (lib/harness/calibrate.ts). It answers
// one message with how long it has been alive and how much CPU it has used.
import net from 'node:net';

const server = net.createServer((socket) => {
  socket.once('data', () => {
    const cpu = process.cpuUsage();
    socket.end(`${performance.now().toFixed(1)} ${((cpu.user + cpu.system) / 1000).toFixed(1)}\n`);
    server.close();
  });
  socket.on('error', () => {});
});
server.listen(0, '127.0.0.1', () => console.log(`listening on 127.0.0.1:${(server.address() as net.AddressInfo).port}`));
process.on('SIGTERM', () => process.exit(0));
