# The Python walk benchmark's workload (tests/bench/python_walk.sh): waits a second for the
# profiler to attach, then does a fixed amount of pure-Python work four calls deep and prints
# how long that took, in seconds. Argument: rounds (default 600).
import sys
import time


def inner(n):
    x = 0
    for i in range(n):
        x += i * i
    return x


def middle(n):
    return inner(n)


def outer(n):
    return middle(n)


def main(rounds):
    time.sleep(1.0)
    start = time.perf_counter()
    for _ in range(rounds):
        outer(100000)
    print("%.6f" % (time.perf_counter() - start), flush=True)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 600)
