# Interface ioctls on lo (SIOCGIF{FLAGS,INDEX,ADDR,NETMASK,MTU,HWADDR,NAME,CONF}) and
# SCM_CREDENTIALS/SCM_RIGHTS control messages, printed byte for byte: the
# caller's bytes around what Linux writes show what it leaves alone.
import fcntl, socket, struct, array, os
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for req, name in [(0x8913,"FLAGS"),(0x8933,"INDEX"),(0x8915,"ADDR"),(0x891b,"NETMASK"),(0x8921,"MTU"),(0x8927,"HWADDR")]:
    r = fcntl.ioctl(s.fileno(), req, struct.pack("16s24s", b"lo", b"\xaa"*24))
    print(name, r.hex())
r = fcntl.ioctl(s.fileno(), 0x8910, struct.pack("16si20s", b"\xbb"*16, 1, b"\xcc"*20))
print("NAME", r.hex())
try: fcntl.ioctl(s.fileno(), 0x8915, struct.pack("16s24s", b"nope", b""))
except OSError as e: print("nope", e.errno)
buf = array.array("B", b"\0"*80)
n, = struct.unpack("i", fcntl.ioctl(s.fileno(), 0x8912, struct.pack("iiQ", 80, 0, buf.buffer_info()[0]))[:4])
print("CONF", n, bytes(buf[:n]).hex())
print("CONF0", fcntl.ioctl(s.fileno(), 0x8912, struct.pack("iiQ", 0, 0, 0)).hex())
# SCM_CREDENTIALS and SCM_RIGHTS round trip
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
b.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_CREDENTIALS, struct.pack("iII", os.getpid(), 0, 0)), (socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", 0))])
msg, anc, fl, _ = b.recvmsg(10, 256)
print(msg, [(l, t, len(d)) for l, t, d in anc], fl)
a.sendmsg([b"y"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("ii", 0, 1))])
msg, anc, fl, _ = b.recvmsg(10, socket.CMSG_SPACE(12)+ socket.CMSG_LEN(4))
print(msg, [(l, t, len(d)) for l, t, d in anc], fl)
