# Finds its own bridged sockets in /proc/net/{tcp,tcp6,udp,udp6} by
# inode (the inode of its fd) and prints the fields that do not depend on
# the run: the local and remote addresses (their ports compared with
# getsockname and getpeername), the state and the queues; then the interface files.
# argv: a peer's IPv4 address, its TCP and UDP ports, and the same for
# IPv6.
import os
import socket
import sys

host4, tport4, uport4, host6, tport6, uport6 = sys.argv[1:7]


def table(name):
    rows = {}
    with open("/proc/net/" + name) as f:
        for line in f.readlines()[1:]:
            fs = line.split()
            rows[int(fs[9])] = fs
    return rows


def show(what, name, s):
    fs = table(name).get(os.fstat(s.fileno()).st_ino)
    if fs is None:
        print(what, "not in /proc/net/" + name)
        return
    ip, port = fs[1].split(":")
    rip, rport = fs[2].split(":")
    try:
        peer = s.getpeername()[1]
    except OSError:
        peer = 0
    print(what, "local", ip, int(port, 16) == s.getsockname()[1],
          "remote", rip, int(rport, 16) == peer,
          "st", fs[3], "queues", fs[4])


def wait_queued(s, n):
    # The peer's bytes are in the socket's queue once a peek sees them.
    got = b""
    while len(got) < n:
        got = s.recv(n, socket.MSG_PEEK)


for fam, host, tport, uport, tcp, udp, any_ in (
        (socket.AF_INET, host4, tport4, uport4, "tcp", "udp", "0.0.0.0"),
        (socket.AF_INET6, host6, tport6, uport6, "tcp6", "udp6", "::")):
    c = socket.socket(fam)
    c.connect((host, int(tport)))
    wait_queued(c, 5)  # the peer greets every client with 5 bytes
    show(tcp + " client", tcp, c)
    l = socket.socket(fam)
    l.bind((any_, 0))
    l.listen(4)
    show(tcp + " listener", tcp, l)
    mine = c.getsockname()[0]
    d = socket.create_connection((mine, l.getsockname()[1]))
    a, peer = l.accept()
    d.sendall(b"abc")
    wait_queued(a, 3)
    show(tcp + " accepted", tcp, a)
    print(tcp, "accepted remote is the client", peer[1] == d.getsockname()[1])
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.connect((host, int(uport)))
    u.send(b"x")
    show(udp + " connected", udp, u)
    for s in (c, l, d, a, u):
        s.close()

with open("/proc/net/if_inet6") as f:
    print("if_inet6:", "".join(sorted(f.readlines())), end="")
with open("/proc/net/dev") as f:
    lines = f.readlines()
print("dev header:", lines[0] + lines[1], end="")
print("dev interfaces:", sorted(line.split(":")[0].strip() for line in lines[2:]))
