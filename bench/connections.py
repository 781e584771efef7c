#!/usr/bin/env python3
"""Hold N established TCP connections over loopback until killed: a server process on
127.0.0.1:PORT that accepts them and a client process (forked) that makes them, so that
each connection is seen from both ends with its own owner (2N sockets).
Usage: connections.py N [PORT=31000]. Prints 'ready' once all are established.
Every socket has SO_LINGER 0: when the processes are killed the connections are reset,
not left in TIME_WAIT (which would hold N of the kernel's ephemeral ports for 60 s)."""
import os, resource, signal, socket, struct, sys, time

n = int(sys.argv[1]); port = int(sys.argv[2]) if len(sys.argv) > 2 else 31000
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = n + 64
if want > hard:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))  # root only
elif want > soft:
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
LINGER0 = struct.pack("ii", 1, 0)

srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(4096)
child = os.fork()
if child == 0:
    srv.close()
    held = []
    for _ in range(n):
        c = socket.socket(); c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
        c.connect(("127.0.0.1", port)); held.append(c)
    signal.pause()
    os._exit(0)
accepted = []
try:
    while len(accepted) < n:
        a, _ = srv.accept(); a.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER0)
        accepted.append(a)
    print("ready", n, "connections to 127.0.0.1:%d (server pid %d, client pid %d)" % (port, os.getpid(), child), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        time.sleep(3600)
finally:
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
