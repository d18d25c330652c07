# net_errno: socket edge cases whose results (values or errno names) must
# be the same in the sandbox as on the host kernel. Prints one line per
# case; e2e compares the sandbox's output with the host's.
import errno, os, select, socket, struct

def run(name, fn):
    try:
        r = fn()
        print(name, "=", r)
    except OSError as e:
        print(name, "!", errno.errorcode.get(e.errno, e.errno))

S = socket.socket
AF4, AF6, UX = socket.AF_INET, socket.AF_INET6, socket.AF_UNIX
ST, DG, SP = socket.SOCK_STREAM, socket.SOCK_DGRAM, socket.SOCK_SEQPACKET
SOL, TCP = socket.SOL_SOCKET, socket.IPPROTO_TCP

def listener(fam=AF4, addr="127.0.0.1"):
    l = S(fam, ST)
    l.bind((addr, 0))
    l.listen(8)
    return l

def pair():
    l = listener()
    c = S(AF4, ST)
    c.connect(l.getsockname())
    s, _ = l.accept()
    return l, c, s

run("tcp send fresh", lambda: S().send(b"x"))
run("tcp recv fresh", lambda: S().recv(1))
run("tcp getpeername fresh", lambda: S().getpeername())
run("tcp getsockname fresh", lambda: S().getsockname())
run("tcp listen fresh then port nonzero", lambda: (lambda s: (s.listen(1), s.getsockname()[1] > 0)[1])(S()))
run("tcp accept not listening", lambda: S().accept())
run("tcp shutdown fresh", lambda: S().shutdown(socket.SHUT_RDWR))
run("tcp shutdown bad how", lambda: pair()[1].shutdown(7))
run("udp listen", lambda: S(AF4, DG).listen(1))
run("tcp bind twice", lambda: (lambda s: (s.bind(("127.0.0.1", 0)), s.bind(("127.0.0.1", 0))))(S()))
run("tcp bind after listen port", lambda: (lambda l: S().bind(l.getsockname()))(listener()))
run("tcp bind v6 addr on v4", lambda: S(AF4, ST).bind(("::1", 0)))
run("tcp connect twice", lambda: (lambda p: p[1].connect(p[0].getsockname()))(pair()))
run("tcp connect listening", lambda: (lambda l: l.connect(l.getsockname()))(listener()))
run("tcp connect port 1", lambda: S().connect(("127.0.0.1", 1)))
run("tcp setsockopt short", lambda: pair()[1].setsockopt(TCP, socket.TCP_NODELAY, b"\x01"))
run("tcp keepidle zero", lambda: S().setsockopt(TCP, socket.TCP_KEEPIDLE, 0))
run("tcp keepcnt 200", lambda: S().setsockopt(TCP, socket.TCP_KEEPCNT, 200))
run("tcp so_type", lambda: S().getsockopt(SOL, socket.SO_TYPE))
run("udp so_type", lambda: S(AF4, DG).getsockopt(SOL, socket.SO_TYPE))
run("tcp so_acceptconn", lambda: listener().getsockopt(SOL, socket.SO_ACCEPTCONN))
run("tcp so_error fresh", lambda: S().getsockopt(SOL, socket.SO_ERROR))
run("tcp so_domain v6", lambda: S(AF6, ST).getsockopt(SOL, socket.SO_DOMAIN))
run("tcp so_protocol", lambda: S().getsockopt(SOL, socket.SO_PROTOCOL))
run("tcp reuseaddr default", lambda: S().getsockopt(SOL, socket.SO_REUSEADDR))
run("tcp v6only default", lambda: S(AF6, ST).getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
run("tcp v6only on v4", lambda: S(AF4, ST).getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY))
run("tcp nodelay on udp", lambda: S(AF4, DG).setsockopt(TCP, socket.TCP_NODELAY, 1))
run("tcp unknown level", lambda: S().getsockopt(12345, 1))
run("socket bad family", lambda: S(12345, ST))
run("socket bad type", lambda: S(AF4, 12345))
run("socket udp proto tcp", lambda: S(AF4, DG, socket.IPPROTO_TCP))
run("socketpair inet", lambda: socket.socketpair(AF4, ST))
run("unix send fresh", lambda: S(UX, ST).send(b"x"))
run("unix recv fresh", lambda: S(UX, ST).recv(1))
run("unix connect abstract missing", lambda: S(UX, ST).connect("\0sentry-no-such"))
run("unix connect path missing", lambda: S(UX, ST).connect("/tmp/sentry-no-such-sock"))
run("unix connect regular file", lambda: S(UX, ST).connect("/etc/hostname"))
run("unix dgram send unconnected", lambda: S(UX, DG).send(b"x"))
run("unix autobind name length", lambda: (lambda s: (s.bind(""), len(s.getsockname()))[1])(S(UX, ST)))
run("unix stream to dgram", lambda: (lambda d: S(UX, ST).connect(d.getsockname()))((lambda d: (d.bind("\0sentry-dg-%d" % os.getpid()), d)[1])(S(UX, DG))))
run("udp send no dest", lambda: S(AF4, DG).send(b"x"))
run("udp sendto closed port", lambda: S(AF4, DG).sendto(b"x", ("127.0.0.1", 9)))
run("udp connect then getpeername", lambda: (lambda s: (s.connect(("127.0.0.1", 9)), s.getpeername())[1])(S(AF4, DG)))
run("udp recv nonblock", lambda: (lambda s: (s.setblocking(False), s.recv(1))[1])(S(AF4, DG)))
run("udp sendto too big", lambda: S(AF4, DG).sendto(b"x" * 70000, ("127.0.0.1", 9)))

def halfclose():
    l, c, s = pair()
    c.shutdown(socket.SHUT_WR)
    out = [s.recv(10)]
    try:
        c.send(b"x")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    s.send(b"back")
    out.append(c.recv(10))
    return out
run("tcp half-close", halfclose)

def peerclosed():
    l, c, s = pair()
    s.close()
    return [c.recv(10), select.select([c], [], [], 0)[0] == [c]]
run("tcp peer closed recv", peerclosed)

def pollstates():
    l, c, s = pair()
    p = select.poll()
    p.register(c, select.POLLIN | select.POLLOUT | select.POLLRDHUP)
    a = p.poll(0)[0][1]
    s.shutdown(socket.SHUT_WR)
    b = p.poll(0)[0][1]
    c.shutdown(socket.SHUT_WR)
    d = p.poll(0)[0][1]
    f = select.poll()
    f.register(S(), select.POLLIN | select.POLLOUT)
    return [a, b, d, f.poll(0)[0][1]]
run("tcp poll states", pollstates)

def peek_waitall():
    l, c, s = pair()
    c.send(b"abcdef")
    return [s.recv(3, socket.MSG_PEEK), s.recv(6, socket.MSG_WAITALL)]
run("tcp peek waitall", peek_waitall)

def dgram_trunc():
    a, b = socket.socketpair(UX, DG)
    a.send(b"0123456789")
    n, anc, flags, addr = b.recvmsg(4)
    return [n, flags & socket.MSG_TRUNC != 0]
run("unix dgram trunc", dgram_trunc)

def seq_eof():
    a, b = socket.socketpair(UX, SP)
    a.send(b"")
    a.send(b"m")
    a.close()
    return [b.recv(5), b.recv(5), b.recv(5)]
run("unix seqpacket eof", seq_eof)

def backlog_nonblock_unix():
    l = S(UX, ST)
    l.bind("\0sentry-bl-%d" % os.getpid())
    l.listen(0)
    res = []
    for i in range(3):
        c = S(UX, ST)
        c.setblocking(False)
        try:
            c.connect(l.getsockname())
            res.append("ok")
        except OSError as e:
            res.append(errno.errorcode[e.errno])
    return res
run("unix backlog nonblocking", backlog_nonblock_unix)

run("tcp rcvbuf default", lambda: S().getsockopt(SOL, socket.SO_RCVBUF))
run("tcp sndbuf default", lambda: S().getsockopt(SOL, socket.SO_SNDBUF))
run("unix rcvbuf default", lambda: S(UX, ST).getsockopt(SOL, socket.SO_RCVBUF))
run("tcp rcvbuf set 10000", lambda: (lambda s: (s.setsockopt(SOL, socket.SO_RCVBUF, 10000), s.getsockopt(SOL, socket.SO_RCVBUF))[1])(S()))
run("tcp linger default", lambda: S().getsockopt(SOL, socket.SO_LINGER, 8))
run("tcp rcvtimeo default", lambda: S().getsockopt(SOL, socket.SO_RCVTIMEO, 16))
run("tcp keepalive set", lambda: (lambda s: (s.setsockopt(SOL, socket.SO_KEEPALIVE, 5), s.getsockopt(SOL, socket.SO_KEEPALIVE))[1])(S()))
run("tcp keepidle default", lambda: S().getsockopt(TCP, socket.TCP_KEEPIDLE))
run("tcp keepintvl default", lambda: S().getsockopt(TCP, socket.TCP_KEEPINTVL))
run("tcp keepcnt default", lambda: S().getsockopt(TCP, socket.TCP_KEEPCNT))
run("tcp maxseg default", lambda: S().getsockopt(TCP, socket.TCP_MAXSEG))
run("ip ttl default", lambda: S().getsockopt(socket.IPPROTO_IP, socket.IP_TTL))
run("v6only after bind", lambda: (lambda s: (s.bind(("::1", 0)), s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)))(S(AF6, ST)))
run("v6 bind v4-mapped v6only", lambda: (lambda s: (s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1), s.bind(("::ffff:127.0.0.1", 0))))(S(AF6, ST)))
run("v6 bind v4-mapped", lambda: (lambda s: (s.bind(("::ffff:127.0.0.1", 0)), s.getsockname()[0]))(S(AF6, ST)))
run("v6 connect v4-mapped", lambda: (lambda l: (lambda c: (c.connect(("::ffff:127.0.0.1", l.getsockname()[1])), c.getpeername()[0], c.getsockname()[0]))(S(AF6, ST)))(listener()))
run("v4 bind 0.0.0.0 vs v6 :: dual", lambda: (lambda a: (lambda b: b.bind(("::", a.getsockname()[1])))(S(AF6, ST)))((lambda a: (a.bind(("0.0.0.0", 0)), a.listen(1), a)[2])(S())))
run("udp v6 loop", lambda: (lambda a, b: (a.bind(("::1", 0)), b.sendto(b"hey", a.getsockname()), a.recvfrom(10)[0])[2])(S(AF6, DG), S(AF6, DG)))

def epoll_cases():
    out = []
    ep = select.epoll()
    a, b = socket.socketpair()
    ep.register(a.fileno(), select.EPOLLIN | select.EPOLLOUT | select.EPOLLRDHUP)
    out.append(sorted(ep.poll(0)))
    b.send(b"x")
    out.append(ep.poll(0)[0][1])
    b.shutdown(socket.SHUT_WR)
    out.append(ep.poll(0)[0][1])
    b.close()
    out.append(ep.poll(0)[0][1])
    try:
        ep.register(a.fileno(), select.EPOLLIN)
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    ep.modify(a.fileno(), 0)
    out.append(ep.poll(0))
    ep.unregister(a.fileno())
    try:
        ep.unregister(a.fileno())
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    return out
run("epoll socket states", epoll_cases)

def pipe_cases():
    r, w = os.pipe()
    p = select.poll()
    p.register(r, select.POLLIN)
    p.register(w, select.POLLOUT)
    out = [sorted(x[1] for x in p.poll(0))]
    os.close(r)
    out.append(p.poll(0))
    try:
        os.write(w, b"x")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    return out
import signal
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
run("pipe poll states", pipe_cases)

def eventfd_cases():
    fd = os.eventfd(0, os.EFD_NONBLOCK)
    out = []
    try:
        os.eventfd_read(fd)
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    os.eventfd_write(fd, 3)
    os.eventfd_write(fd, 4)
    out.append(os.eventfd_read(fd))
    try:
        os.write(fd, b"abc")
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    return out
if hasattr(os, "eventfd"):
    run("eventfd cases", eventfd_cases)

def udp_refused():
    s = S(AF4, DG)
    s.connect(("127.0.0.1", 9))
    out = [s.send(b"x")]
    p = select.poll()
    p.register(s, select.POLLIN)
    out.append(p.poll(1000))
    for op in (lambda: s.recv(10), lambda: s.send(b"x"), lambda: s.send(b"x")):
        try:
            out.append(op())
        except OSError as e:
            out.append(errno.errorcode[e.errno])
    out.append(s.getsockopt(SOL, socket.SO_ERROR))
    return out
run("udp connected to a closed port", udp_refused)

def unix_peer_names():
    d = "/tmp/sentry-net-errno-%d" % os.getpid()
    os.mkdir(d)
    try:
        l = S(UX, ST)
        l.bind(d + "/s")
        l.listen(1)
        old = os.getcwd()
        os.chdir(d)
        c = S(UX, ST)
        c.connect("s")
        os.chdir(old)
        a, peer = l.accept()
        return [c.getpeername() == d + "/s", peer, a.getsockname() == d + "/s", c.getsockname()]
    finally:
        os.unlink(d + "/s")
        os.rmdir(d)
run("unix peer names", unix_peer_names)

def nb_connect_twice():
    l = listener()
    c = S(AF4, ST)
    c.setblocking(False)
    out = []
    for i in range(3):
        try:
            c.connect(l.getsockname())
            out.append("ok")
        except OSError as e:
            out.append(errno.errorcode[e.errno])
    return out
run("tcp nonblocking connect repeated", nb_connect_twice)

def nb_connect_refused_twice():
    c = S(AF4, ST)
    c.setblocking(False)
    out = []
    for i in range(3):
        try:
            c.connect(("127.0.0.1", 9))
            out.append("ok")
        except OSError as e:
            out.append(errno.errorcode[e.errno])
        select.select([], [c], [], 1)
    return out
run("tcp nonblocking connect refused repeated", nb_connect_refused_twice)

def close_with_pending_accept():
    l = listener()
    c = S(AF4, ST)
    c.connect(l.getsockname())
    c.send(b"early")
    l.close()
    out = []
    for op in (lambda: c.recv(10), lambda: c.send(b"x"), lambda: c.send(b"x")):
        try:
            out.append(op())
        except OSError as e:
            out.append(errno.errorcode[e.errno])
    return out
run("tcp listener closed with a queued connection", close_with_pending_accept)

def recv_after_peer_close_with_data():
    l, c, s = pair()
    s.send(b"last words")
    s.close()
    return [c.recv(100), c.recv(100)]
run("tcp data then close", recv_after_peer_close_with_data)

def shutdown_rd():
    l, c, s = pair()
    s.send(b"before")
    c.shutdown(socket.SHUT_RD)
    out = [c.recv(100), c.recv(100)]
    s.send(b"after")
    out.append(c.recv(100))
    return out
run("tcp shutdown rd", shutdown_rd)

def epoll_listener():
    l = listener()
    ep = select.epoll()
    ep.register(l.fileno(), select.EPOLLIN | select.EPOLLOUT)
    out = [ep.poll(0)]
    c = S(AF4, ST)
    c.connect(l.getsockname())
    out.append(ep.poll(0))
    return out
run("epoll on a listener", epoll_listener)

def dgram_unix_full():
    a, b = socket.socketpair(UX, DG)
    a.setblocking(False)
    n = 0
    try:
        while n < 100000:
            a.send(b"x" * 100)
            n += 1
    except OSError as e:
        return [n > 10, errno.errorcode[e.errno], select.select([], [a], [], 0)[1] == []]
run("unix dgram fills", dgram_unix_full)

def misc_flags():
    import fcntl, termios, array
    l, c, s = pair()
    out = []
    try:
        s.recv(10, socket.MSG_DONTWAIT)
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    c.send(b"0123456789")
    select.select([s], [], [], 1)
    buf = array.array("i", [0])
    fcntl.ioctl(s, termios.FIONREAD, buf)
    out.append(buf[0])
    out.append(s.recv(4, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    out.append(c.sendto(b"x", ("127.0.0.1", 1)))
    return out
run("tcp misc flags", misc_flags)

def unix_dgram_peer_gone():
    a, b = socket.socketpair(UX, DG)
    b.close()
    out = []
    for op in (lambda: a.send(b"x"), lambda: a.recv(1, socket.MSG_DONTWAIT)):
        try:
            out.append(op())
        except OSError as e:
            out.append(errno.errorcode[e.errno])
    return out
run("unix dgram peer gone", unix_dgram_peer_gone)

def unix_stream_peer_gone():
    a, b = socket.socketpair(UX, ST)
    b.close()
    out = []
    for op in (lambda: a.recv(1), lambda: a.send(b"x")):
        try:
            out.append(op())
        except OSError as e:
            out.append(errno.errorcode[e.errno])
    p = select.poll()
    p.register(a, select.POLLIN | select.POLLOUT | select.POLLRDHUP)
    out.append(p.poll(0))
    return out
run("unix stream peer gone", unix_stream_peer_gone)

def abstract_collision():
    n = "\0sentry-abs-%d" % os.getpid()
    a = S(UX, ST)
    a.bind(n)
    b = S(UX, DG)
    try:
        b.bind(n)
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
run("unix abstract collision across types", abstract_collision)

def peercred_tcp():
    l, c, s = pair()
    return struct.unpack("iII", c.getsockopt(SOL, socket.SO_PEERCRED, 12))[1:] != (0, 0)
run("tcp peercred", peercred_tcp)

def accept_timeout():
    l = listener()
    l.settimeout(0.05)
    try:
        l.accept()
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return errno.errorcode[e.errno]
run("tcp accept timeout", accept_timeout)

def rcvtimeo_accept():
    l = listener()
    l.setsockopt(SOL, socket.SO_RCVTIMEO, struct.pack("ll", 0, 50000))
    try:
        l.accept()
    except OSError as e:
        return errno.errorcode[e.errno]
run("tcp SO_RCVTIMEO accept", rcvtimeo_accept)

def epoll_more():
    out = []
    ep = select.epoll()
    try:
        ep.register(ep.fileno(), select.EPOLLIN)
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    f = open("/etc/hostname")
    try:
        ep.register(f.fileno(), select.EPOLLIN)
    except OSError as e:
        out.append(errno.errorcode[e.errno])
    try:
        ep.poll(0, 0)
    except (OSError, ValueError) as e:
        out.append(type(e).__name__)
    a, b = socket.socketpair()
    d = os.dup(a.fileno())
    ep.register(d, select.EPOLLIN)
    os.close(d)  # a still holds the file: the registration stays
    b.send(b"x")
    out.append(len(ep.poll(0)))
    a.close()  # last reference: gone
    out.append(ep.poll(0))
    c, e2 = socket.socketpair()
    ep.register(c.fileno(), select.EPOLLIN | select.EPOLLET)
    e2.send(b"abc")
    out.append(ep.poll(0))
    c.recv(1)
    out.append(ep.poll(0))  # ET: nothing new arrived
    e2.send(b"d")
    out.append(ep.poll(0))
    ep.modify(c.fileno(), select.EPOLLIN | select.EPOLLONESHOT)
    out.append(ep.poll(0))
    out.append(ep.poll(0))
    e2.close()
    out.append(ep.poll(0))  # disabled until modified, even for HUP
    ep.modify(c.fileno(), select.EPOLLIN | select.EPOLLRDHUP)
    out.append(ep.poll(0))
    inner = select.epoll()
    inner.register(c.fileno(), select.EPOLLIN)
    ep2 = select.epoll()
    ep2.register(inner.fileno(), select.EPOLLIN | select.EPOLLOUT)
    out.append([ev for _, ev in ep2.poll(0)])
    return out
run("epoll more", epoll_more)
