# Maps a 2 GiB file that is one hole and five bytes, privately and shared,
# reads its tail and middle, and says whether the RSS grew by the size of
# the file (it does not on Linux: untouched pages of a mapping cost
# nothing, and the holes of a file are not memory). argv[1]: the directory.
import mmap, os, sys, tempfile

def rss():
    with open("/proc/self/status") as f:
        for l in f:
            if l.startswith("VmRSS:"):
                return int(l.split()[1]) * 1024

size = 2 << 30
with tempfile.TemporaryFile(dir=sys.argv[1]) as f:
    f.seek(size - 5)
    f.write(b"tail!")
    f.flush()
    for name, access in (("private", mmap.ACCESS_COPY), ("shared", mmap.ACCESS_READ)):
        before = rss()
        with mmap.mmap(f.fileno(), 0, access=access) as m:
            tail, mid = m[size - 5:], m[size // 2]
            grew = rss() - before
        print(name, tail, mid, "small" if grew < 64 << 20 else "grew %d MiB" % (grew >> 20))
