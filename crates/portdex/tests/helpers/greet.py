"""Fake services for portdex's scan tests: each listens on 127.0.0.1 (port chosen by
the kernel) and sends a greeting like the real service when a client connects.
Usage: greet.py NAME...  (ssh, smtp, ftp, pop3, imap, silent). Prints the ports as a
JSON line, in the order given, then serves until killed (at most 120 s)."""
import json
import socket
import sys
import threading
import time

GREETINGS = {
    "ssh": b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n",
    "smtp": b"220 mail.test ESMTP Postfix (Debian/GNU)\r\n",
    "ftp": b"220 (vsFTPd 3.0.3)\r\n",
    "pop3": b"+OK Dovecot ready.\r\n",
    "imap": b"* OK [CAPABILITY IMAP4rev1] Dovecot ready.\r\n",
    "silent": b"",
}


def serve(sock, greeting):
    while True:
        conn, _ = sock.accept()
        try:
            if greeting:
                conn.sendall(greeting)
            time.sleep(0.3)
        finally:
            conn.close()


ports = []
for name in sys.argv[1:]:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    ports.append(s.getsockname()[1])
    threading.Thread(target=serve, args=(s, GREETINGS[name]), daemon=True).start()
print(json.dumps(ports), flush=True)
time.sleep(120)
