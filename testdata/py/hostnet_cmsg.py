# IP-level ancillary data of datagrams that cross the namespace: a
# receiver bound to the namespace's address with IP_PKTINFO, IP_RECVTTL
# and IP_RECVTOS (IPv6: IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT,
# IPV6_RECVTCLASS) prints the control messages of a datagram sent to it
# with a hop limit and traffic class set by sendmsg, and of the answer of
# an echo server on the veth's other end.
# argv: the namespace's IPv4 address, the echo server's address and
# port, and the same for IPv6.
import socket
import sys

mine4, peer4, port4, mine6, peer6, port6 = sys.argv[1:7]
IP, IP6 = socket.IPPROTO_IP, socket.IPPROTO_IPV6
# <linux/in.h>; CPython 3.11 names neither.
IP_PKTINFO, IP_RECVTTL = 8, 12


def show(what, r):
    data, anc, flags, frm = r.recvmsg(64, 1024)
    print(what, data, "flags", flags)
    for level, typ, d in anc:
        print("  cmsg", level, typ, d.hex())


for fam, mine, peer, port, opts, sendctl in (
        (socket.AF_INET, mine4, peer4, port4,
         [(IP, IP_PKTINFO), (IP, IP_RECVTTL), (IP, socket.IP_RECVTOS)],
         [(IP, socket.IP_TTL, (9).to_bytes(4, "little")), (IP, socket.IP_TOS, (0x20).to_bytes(4, "little"))]),
        (socket.AF_INET6, mine6, peer6, port6,
         [(IP6, socket.IPV6_RECVPKTINFO), (IP6, socket.IPV6_RECVHOPLIMIT), (IP6, socket.IPV6_RECVTCLASS)],
         [(IP6, socket.IPV6_HOPLIMIT, (9).to_bytes(4, "little")), (IP6, socket.IPV6_TCLASS, (0x20).to_bytes(4, "little"))])):
    r = socket.socket(fam, socket.SOCK_DGRAM)
    for level, name in opts:
        r.setsockopt(level, name, 1)
    print(fam.name, "options read back", [r.getsockopt(level, name) for level, name in opts])
    r.bind((mine, 0))
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendmsg([b"to the namespace's address"], sendctl, 0, r.getsockname()[:2])
    show(fam.name + " local:", r)
    r.sendto(b"echo me", (peer, int(port)))
    show(fam.name + " from the peer:", r)
    r.setsockopt(*opts[0], 0)
    r.sendto(b"again", (peer, int(port)))
    show(fam.name + " without pktinfo:", r)
