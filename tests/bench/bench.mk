# Overhead benchmark (`make bench`): included by the Makefile after its own variables.
# caller: calls a function of known first instruction N times. The kernel's floors, BPF
# programs that do nothing: empty_pair, an empty uprobe + uretprobe pair around a command;
# empty_net, empty programs on the net collector's tracepoints; empty_perf, an empty program on
# a cpu-clock sampling event per CPU. nofp_loop: the profile benchmark's fixed work through
# libc's qsort, without frame pointers.

BENCH_BINS := $(BUILD)/bench/caller $(BUILD)/bench/empty_pair $(BUILD)/bench/empty_net \
	      $(BUILD)/bench/empty_perf $(BUILD)/bench/nofp_loop

# Built as distributions build: no frame pointer anywhere, like libc beneath it.
$(BUILD)/bench/nofp_loop: tests/bench/nofp_loop.c tests/targets/qsort_chain.h tests/targets/busy.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -g -O2 -fomit-frame-pointer -Wall -Itests/targets $< -o $@

# -O2: the loop around the call must cost next to nothing (~2 ns a call).
$(BUILD)/bench/caller: tests/bench/caller.c tests/bench/callee.S
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -g -O2 -Wall $^ -o $@

$(BUILD)/bench/empty_%.bpf.o: tests/bench/empty_%.bpf.c vmlinux/$(ARCH)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/empty_%.skel.h: $(BUILD)/bench/empty_%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/bench/empty_%: tests/bench/empty_%.c $(BUILD)/bench/empty_%.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -I$(BUILD)/bench $< $(LIBS) -o $@

# What diff tells apart: false alarms over identical reruns, the smallest shift detected.
bench-diff: all $(TARGETS)
	TAILTRACE=$(abspath $(BUILD)/tailtrace) TARGETS=$(abspath $(BUILD)/targets) \
		tests/bench/diff_sensitivity.sh

# `make bench-symbols`: symbolization speed, cold and warm (tests/bench/symbols_bench.c).
$(BUILD)/bench/symbols_bench: tests/bench/symbols_bench.c $(CORE_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TT_CFLAGS) $< $(CORE_OBJS) $(LIBS) -o $@

bench-symbols: deps $(BUILD)/bench/symbols_bench
	$(BUILD)/bench/symbols_bench > tests/bench/SYMBOLS.md.tmp
	mv tests/bench/SYMBOLS.md.tmp tests/bench/SYMBOLS.md
	cat tests/bench/SYMBOLS.md
