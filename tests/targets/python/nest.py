# A Python program of known nesting for the Python frames tests (tests/integration/
# test_python.c): <module> -> main -> Worker.run -> (sorted, in C) -> Worker.run.<locals>.by_work
# -> outer -> middle -> inner, which spins in pure Python. The tests know these line numbers:
# keep them where they are. Argument: seconds to run (default 2).
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


class Worker:
    def run(self, n):
        def by_work(i):
            return outer(n) + i

        return sorted(range(4), key=by_work)


def main(seconds):
    w = Worker()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        w.run(50000)


main(float(sys.argv[1]) if len(sys.argv) > 1 else 2.0)
