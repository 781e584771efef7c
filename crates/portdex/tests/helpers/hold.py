"""Holds sockets for portdex's tests, in a process of its own.

Usage: hold.py [--ignore-term] [--name NAME] SPEC...   SPEC is tcp4|tcp6|udp4|udp6:ADDRESS:PORT (IPv6 in brackets: tcp6:[::]:0)
(PORT 0 lets the kernel choose) or connect:HOST:PORT (a client connection, not a
listener). Prints one JSON line with the bound ports in SPEC order, then sleeps until
killed (at most 120 s, so that nothing outlives a failed test for long). --name sets the
process name (/proc/self/comm), so that a test can stand in for sshd or redis-server.
"""
import json
import signal
import socket
import sys
import time

args = sys.argv[1:]
if args and args[0] == "--ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    args = args[1:]
if args and args[0] == "--name":
    with open("/proc/self/comm", "w") as comm:
        comm.write(args[1])
    args = args[2:]

held, ports = [], []
for spec in args:
    kind, rest = spec.split(":", 1)
    host, port = rest.rsplit(":", 1)
    host = host.strip("[]")
    if kind == "connect":
        s = socket.create_connection((host, int(port)))
    else:
        family = socket.AF_INET6 if kind.endswith("6") else socket.AF_INET
        stype = socket.SOCK_STREAM if kind.startswith("tcp") else socket.SOCK_DGRAM
        s = socket.socket(family, stype)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, int(port)))
        if stype == socket.SOCK_STREAM:
            s.listen()
    held.append(s)
    ports.append(s.getsockname()[1])

print(json.dumps(ports), flush=True)
time.sleep(120)
