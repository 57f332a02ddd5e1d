# manycodes.py N TABLE SECONDS: N functions, each a code object of its own that shares one
# location table of TABLE bytes, called at random (every sample a new stack of new code
# objects) for SECONDS after "ready" on stderr. What a reader that kept a copy of each code
# object's table would need gigabytes for.
import random
import sys
import time

N = int(sys.argv[1])
TABLE = b'\x80' * int(sys.argv[2])
SECONDS = float(sys.argv[3])
F = []
src = ("def f{i}(d):\n"
       "    if d:\n"
       "        return F[R(N)](d - 1)\n"
       "    x = 0\n"
       "    for _ in range(3000):\n"
       "        x += 1\n"
       "    return x\n")
g = {'F': F, 'R': random.randrange, 'N': N}
for i in range(N):
    exec(src.format(i=i), g)
    f = g['f%d' % i]
    f.__code__ = f.__code__.replace(co_linetable=TABLE)
    F.append(f)
print("ready", file=sys.stderr, flush=True)
end = time.time() + SECONDS
while time.time() < end:
    F[random.randrange(N)](30)
