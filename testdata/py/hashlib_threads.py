# hashlib_threads: T threads each hashing the same large buffer R times with
# sha256, which releases the GIL for buffers over 2 KiB; with T CPUs the
# wall time stays that of one thread. Prints "threads=T wall_s=W".
import hashlib
import sys
import threading
import time

t, rounds = int(sys.argv[1]), int(sys.argv[2])
buf = b"\x5a" * (16 << 20)


def work():
    for _ in range(rounds):
        hashlib.sha256(buf).digest()


ths = [threading.Thread(target=work) for _ in range(t)]
start = time.monotonic()
for th in ths:
    th.start()
for th in ths:
    th.join()
print(f"threads={t} wall_s={time.monotonic() - start:.3f}")
