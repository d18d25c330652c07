# A new pty pair: the slave's initial termios, a setting made on the slave
# seen from the master, the window size, a canonical line and raw mode.
import os, pty, termios, tty, struct, fcntl
m, s = pty.openpty()
print(termios.tcgetattr(s))
a = termios.tcgetattr(s); a[3] &= ~termios.ECHO; termios.tcsetattr(s, termios.TCSAFLUSH, a)
print(termios.tcgetattr(m)[3] & termios.ECHO)
fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 1, 2))
print(struct.unpack("HHHH", fcntl.ioctl(s, termios.TIOCGWINSZ, b"\0"*8)))
os.write(m, b"hello\r"); print(os.read(s, 100))
tty.setraw(s); os.write(m, b"x\x03"); print(os.read(s, 100))
