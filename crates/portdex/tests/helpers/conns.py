"""Connections for portdex's `conns` tests, in a process of its own.

Usage: conns.py [--name NAME] SPEC...   SPEC is one of
  listen4 | listen6          a TCP server on 127.0.0.1:0 | [::1]:0 that accepts every
                             connection, holds it, and closes it when the client does
  udp4                       a UDP socket bound to 127.0.0.1:0 (not connected)
  connect:HOST:PORT          a TCP client connection, held
  close:HOST:PORT            a TCP connection closed by this side first: this side's
                             socket stays in TIME_WAIT once the server closes too
  udp:HOST:PORT              a connected UDP socket (nothing is sent)
Prints one JSON line with a port per SPEC (the server's port for listen*/udp4, this
side's local port otherwise), then serves until killed (at most 120 s). --name sets the
process name (/proc/self/comm).
"""
import json
import selectors
import socket
import sys
import time

args = sys.argv[1:]
if args and args[0] == "--name":
    with open("/proc/self/comm", "w") as comm:
        comm.write(args[1])
    args = args[2:]

sel = selectors.DefaultSelector()
held, ports = [], []
for spec in args:
    kind, _, rest = spec.partition(":")
    if kind in ("listen4", "listen6"):
        family = socket.AF_INET6 if kind == "listen6" else socket.AF_INET
        s = socket.socket(family, socket.SOCK_STREAM)
        s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        s.listen(64)
        sel.register(s, selectors.EVENT_READ, "listener")
        ports.append(s.getsockname()[1])
    elif kind == "udp4":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        ports.append(s.getsockname()[1])
    else:
        host, port = rest.rsplit(":", 1)
        host = host.strip("[]")
        if kind == "udp":
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            s = socket.socket(family, socket.SOCK_DGRAM)
            s.connect((host, int(port)))
        else:
            s = socket.create_connection((host, int(port)))
        ports.append(s.getsockname()[1])
        if kind == "close":
            s.close()
            continue
    held.append(s)

print(json.dumps(ports), flush=True)
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    for key, _ in sel.select(timeout=1):
        if key.data == "listener":
            conn, _ = key.fileobj.accept()
            sel.register(conn, selectors.EVENT_READ, "conn")
        else:
            # The client closed (or sent something, which no test does): close too.
            if not key.fileobj.recv(4096):
                sel.unregister(key.fileobj)
                key.fileobj.close()
