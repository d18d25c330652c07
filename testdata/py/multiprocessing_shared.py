# Python multiprocessing over memory shared between processes: a process
# pool, a Queue, a Lock, shared Value and Array, a Pool, and
# shared_memory.SharedMemory (shm_open). Output is deterministic, to be
# compared with a native run.
import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import shared_memory

def sq(x):
    return x * x

def add(v, a, lock, n):
    for _ in range(n):
        with lock:
            v.value += 1
    with lock:
        for i in range(len(a)):
            a[i] += 1

def poke(name):
    s = shared_memory.SharedMemory(name=name)
    s.buf[:5] = b"child"
    s.close()

def producer(q, k):
    for i in range(5):
        q.put((k, i))
    q.put(None)

if __name__ == "__main__":
    mp.set_start_method("fork")
    with ProcessPoolExecutor(max_workers=2) as ex:
        print("ProcessPoolExecutor:", list(ex.map(sq, range(8))))
    q = mp.Queue()
    ps = [mp.Process(target=producer, args=(q, k)) for k in range(2)]
    for p in ps: p.start()
    got, done = [], 0
    while done < 2:
        x = q.get()
        if x is None: done += 1
        else: got.append(x)
    for p in ps: p.join()
    print("Queue:", sorted(got))
    lock = mp.Lock()
    v = mp.Value("i", 0, lock=False)
    a = mp.Array("d", [0.5, 1.5, 2.5], lock=False)
    ps = [mp.Process(target=add, args=(v, a, lock, 200)) for _ in range(3)]
    for p in ps: p.start()
    for p in ps: p.join()
    print("Value:", v.value, "Array:", list(a), "exitcodes:", [p.exitcode for p in ps])
    with mp.Pool(2) as pool:
        print("Pool:", pool.map(sq, range(6)))
    shm = shared_memory.SharedMemory(create=True, size=64)
    p = mp.Process(target=poke, args=(shm.name,))
    p.start()
    p.join()
    print("SharedMemory:", bytes(shm.buf[:5]))
    shm.close()
    shm.unlink()
