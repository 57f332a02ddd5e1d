# reuse.py: six functions made one after another with exec (phase_0 in gen_0.py ...
# phase_5 in gen_5.py), each run 0.3 s on the CPU and then freed: each new code object is
# allocated where the last one was, at the same address. A reader that knows code objects by
# their address names them all phase_0.
import gc


def run(i):
    ns = {}
    src = ("def phase_%d(t):\n"
           "    import time\n"
           "    e = time.time() + t\n"
           "    while time.time() < e:\n"
           "        pass\n") % i
    exec(compile(src, "gen_%d.py" % i, "exec"), ns)
    ns["phase_%d" % i](0.3)
    del ns
    gc.collect()


for i in range(6):
    run(i)
