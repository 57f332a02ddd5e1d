# Overhead benchmark (`make bench`): included by the Makefile after its own variables.
# caller: calls a function of known first instruction N times; empty_pair: the kernel floor,
# an empty uprobe + uretprobe pair around a command.

BENCH_BINS := $(BUILD)/bench/caller $(BUILD)/bench/empty_pair

# -O2: the loop around the call must cost next to nothing (~2 ns a call).
$(BUILD)/bench/caller: tests/bench/caller.c tests/bench/callee.S
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -g -O2 -Wall $^ -o $@

$(BUILD)/bench/empty_pair.bpf.o: tests/bench/empty_pair.bpf.c vmlinux/$(ARCH)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/empty_pair.skel.h: $(BUILD)/bench/empty_pair.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/bench/empty_pair: tests/bench/empty_pair.c $(BUILD)/bench/empty_pair.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -I$(BUILD)/bench $< $(LIBS) -o $@

# empty_net: the floor of the net benchmark, empty programs on the net collector's tracepoints.
BENCH_BINS += $(BUILD)/bench/empty_net

$(BUILD)/bench/empty_net.bpf.o: tests/bench/empty_net.bpf.c vmlinux/$(ARCH)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/empty_net.skel.h: $(BUILD)/bench/empty_net.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(BUILD)/bench/empty_net: tests/bench/empty_net.c $(BUILD)/bench/empty_net.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) -g -O2 -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -I$(BUILD)/bench $< $(LIBS) -o $@
