# A Python program that spends its time blocked in time.sleep, for the off-CPU stacks test
# (tests/integration/test_python.c): <module> -> main -> Napper.doze, which sleeps 20 ms at a
# time. The tests know these line numbers: keep them where they are. Argument: seconds
# (default 1).
import sys
import time


class Napper:
    def doze(self):
        time.sleep(0.02)


def main(seconds):
    n = Napper()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        n.doze()


main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
