"""aiosmtpd (Debian's python3-aiosmtpd) delivering into the kit's mail root, for npm run bench -- smtp.

    python3 aiosmtpd_maildir.py --port PORT --mail-root DIR

The same job as the kit's smtp-server.ts: RCPT TO a user of DIR/passwd (else
550), and each message into DIR/<user>/ with Python's mailbox.Maildir, which
writes it into tmp/, fsyncs the file, links it into new/ and removes the tmp
name (no fsync of the folder). Prints "listening on HOST:PORT" when ready.
"""
import argparse
import asyncio
import mailbox
import os
import signal

from aiosmtpd.smtp import SMTP


class MaildirHandler:
    def __init__(self, root):
        self.root = root
        with open(os.path.join(root, 'passwd')) as f:
            self.users = {line.split(':', 1)[0] for line in f if ':' in line}
        self.boxes = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.rsplit('@', 1)[0]
        if local not in self.users:
            return '550 no such user here'
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            local = address.rsplit('@', 1)[0]
            box = self.boxes.get(local)
            if box is None:
                box = self.boxes[local] = mailbox.Maildir(os.path.join(self.root, local), create=True)
            box.add(envelope.original_content)
        return '250 OK'


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--mail-root', required=True)
    args = parser.parse_args()
    handler = MaildirHandler(args.mail_root)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, data_size_limit=10 * 1024 * 1024), args.host, args.port)
    host, port = server.sockets[0].getsockname()[:2]
    print(f'listening on {host}:{port}', flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


if __name__ == '__main__':
    asyncio.run(main())
