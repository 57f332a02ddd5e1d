# tailtrace — `make` builds build/tailtrace; `make run` traces the bundled demo; `make test`
# runs every test (then `make sanitize` and `make fuzz`); `make bench` measures overhead;
# `make static` links one portable binary.
# V=1 shows the full commands.

.DELETE_ON_ERROR:
# Skeletons and BPF objects are intermediates that userspace objects need: keep them.
.SECONDARY:
.DEFAULT_GOAL := all

BUILD    := build
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG    ?= clang
CC       ?= cc
BPFTOOL  ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
VERSION  := 0.1.0

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall \
	      -I$(BUILD) -Ibpf -Ivmlinux/$(ARCH)
# CFLAGS and LDFLAGS are the user's (make CFLAGS='-O0 -fsanitize=address' works); what the
# project needs is in TT_CFLAGS, always added.
CFLAGS   ?= -g -O2
TT_CFLAGS := -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -DTAILTRACE_VERSION='"$(VERSION)"' \
	    -I$(BUILD) -Ibpf -Iuserspace
LIBS     := $(shell pkg-config --libs libbpf libelf libdw 2>/dev/null || echo -lbpf -ldw -lelf) \
	    -liberty -lz -lm -pthread
STATIC_LIBS := $(shell pkg-config --static --libs libbpf libelf libdw 2>/dev/null) -liberty -lz \
	       -lzstd -lm -pthread

BPF_SRCS   := $(wildcard bpf/*.bpf.c)
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
USER_SRCS  := $(wildcard userspace/*.c userspace/*/*.c)
USER_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(USER_SRCS))
# The core library: everything but the command table, the run, the collectors and the
# commands on saved runs (they write through the run's output files); the reader of saved
# runs is in. Unit tests link it and nothing else, so they need no BPF object and no
# privilege.
CORE_OBJS  := $(filter-out $(BUILD)/userspace/main.o $(BUILD)/userspace/collectors/% \
		$(BUILD)/userspace/runtime/% $(BUILD)/userspace/offline/%,$(USER_OBJS)) \
	      $(BUILD)/userspace/offline/runfile.o

UNIT_SRCS  := $(wildcard tests/unit/*.c)
UNIT_OBJS  := $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRCS))
INTEG_SRCS := $(wildcard tests/integration/*.c)
INTEG_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(INTEG_SRCS))
TARGETS    := $(patsubst tests/targets/%.c,$(BUILD)/targets/%,$(wildcard tests/targets/*.c)) \
	      $(BUILD)/targets/chain-static $(BUILD)/targets/inlined-stripped \
	      $(BUILD)/targets/inlined-linked $(BUILD)/targets/inlined-badcrc \
	      $(patsubst tests/targets/%,$(BUILD)/targets/%,$(wildcard tests/targets/python/*.py)) \
	      $(BUILD)/targets/python/python3.12-copy

.PHONY: all deps run test layers unit integration sanitize fuzz bench bench-diff bench-symbols \
	static vmlinux clean

all: deps $(BUILD)/tailtrace

deps:
	$(Q)scripts/deps.sh

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*/*.h) vmlinux/$(ARCH)/vmlinux.h | $(BUILD)/bpf
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# func's programs must stay free of CO-RE relocations: with none, libbpf never parses the
# kernel's BTF, which would cost ~50 ms and ~11 MiB at every start (.BTF.ext's
# core_relo_len, at byte 28 of its header, is 0).
$(BUILD)/func.skel.h: $(BUILD)/bpf/func.bpf.o
	$(Q)llvm-objcopy --dump-section .BTF.ext=$<.ext $< /dev/null
	$(Q)test "$$(od -An -tu4 -j28 -N4 $<.ext | tr -d ' ')" = 0 || \
		{ echo "$<: CO-RE relocations: libbpf would parse the kernel's BTF" >&2; exit 1; }
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

# Every userspace object waits for every skeleton: simple, and they are few.
$(BUILD)/%.o: %.c $(wildcard bpf/*/*.h userspace/*/*.h) | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(TT_CFLAGS) -c $< -o $@

# A skeleton embeds its BPF object: the collector that includes it is rebuilt with it.
$(foreach c,$(patsubst bpf/%.bpf.c,%,$(BPF_SRCS)),\
	$(eval $(BUILD)/userspace/collectors/$(c).o: $(BUILD)/$(c).skel.h))

$(BUILD)/tailtrace: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS) -o $@

$(BUILD)/tailtrace-static: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -static $^ $(STATIC_LIBS) -o $@

# Fully static (glibc too: tailtrace uses no NSS or dlopen), to copy to another host.
static: deps $(BUILD)/tailtrace-static
	$(Q)echo "static binary: $(BUILD)/tailtrace-static (libc, libbpf, libelf, zlib linked in)"

$(BUILD)/bpf:
	$(Q)mkdir -p $@

# Test targets: programs of known behaviour, with frame pointers so user stacks are whole.
TARGET_CFLAGS := -g -O1 -fno-omit-frame-pointer -fno-inline -Wall -pthread
$(BUILD)/targets/libttdemo.so: tests/targets/lib/ttdemo.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -shared -fPIC $< -o $@
$(BUILD)/targets/libttdemo-v2.so: tests/targets/lib/ttdemo.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -DTTDEMO_V2 -shared -fPIC $< -o $@
# libwait's test puts the second version in place of the first under the running program.
$(BUILD)/targets/libwait: $(BUILD)/targets/libttdemo-v2.so
$(BUILD)/targets/cet: TARGET_CFLAGS += -fcf-protection=full
# Its fake interpreter's symbols must be in .dynsym, where tailtrace looks for them.
$(BUILD)/targets/python_hostile: TARGET_CFLAGS += -rdynamic
# The Python frames tests' scripts, and Debian's python3.11 made to say it is 3.12.
$(BUILD)/targets/python/%.py: tests/targets/python/%.py
	$(Q)mkdir -p $(@D)
	$(Q)cp $< $@
$(BUILD)/targets/python/python3.12-copy: tests/targets/python/other-version.sh
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$< /usr/bin/python3.11 $@
# chain linked static: libc's _start, __libc_start_call_main and start_thread have symbols
# in the binary itself, so its stacks can be seen to reach the thread's start.
$(BUILD)/targets/chain-static: tests/targets/chain.c tests/targets/busy.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -static -Itests/targets $< -o $@
# Built as distributions build: the unwinding tests' stacks have no frame pointer at all.
$(BUILD)/targets/nofp_qsort: private TARGET_CFLAGS := -O2 -fomit-frame-pointer -Wall -pthread
# inlined: -O2 puts leaf_mix into work, -g describes it: the symbol tests read its DWARF.
$(BUILD)/targets/inlined: private TARGET_CFLAGS := -g -O2 -fno-omit-frame-pointer -Wall -pthread
$(BUILD)/targets/inlined: tests/targets/inlined_lines.h
# The same program stripped (work is then in no symbol table of its own), its debug file apart:
# under the build-id path of a debug folder of the tests' (inlined.debugdir, given by
# TAILTRACE_DEBUG_DIRS); by .gnu_debuglink beside it (inlined-linked); and by a debuglink
# whose file does not have the CRC named (inlined-badcrc: a byte added after linking).
$(BUILD)/targets/inlined-stripped: $(BUILD)/targets/inlined
	$(call msg,STRIP,$@)
	$(Q)id=$$(readelf -n $< | sed -n 's/.*Build ID: //p'); \
		d=$(@D)/inlined.debugdir/.build-id/$$(echo $$id | cut -c1-2); \
		mkdir -p $$d && objcopy --only-keep-debug $< $$d/$$(echo $$id | cut -c3-).debug
	$(Q)objcopy --strip-all $< $@
$(BUILD)/targets/inlined-linked $(BUILD)/targets/inlined-badcrc: $(BUILD)/targets/inlined
	$(call msg,STRIP,$@)
	$(Q)objcopy --only-keep-debug $< $@.debug
	$(Q)objcopy --strip-all --add-gnu-debuglink=$@.debug $< $@
	$(Q)case $@ in *badcrc) printf x >> $@.debug ;; esac
$(BUILD)/targets/%: tests/targets/%.c tests/targets/busy.h tests/targets/netaddr.h \
		tests/targets/qsort_chain.h $(BUILD)/targets/libttdemo.so
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(TARGET_CFLAGS) -Itests/targets $< -o $@ -L$(BUILD)/targets -lttdemo \
		-Wl,-rpath,'$$ORIGIN'

-include tests/unit/fixtures.mk

$(BUILD)/tests/unit_tests: $(UNIT_OBJS) $(CORE_OBJS) $(UNIT_FIXTURES)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o,$^) $(LIBS) -lcriterion -lm -o $@

# The integration tests' own BPF programs (tests/integration/bpf/), never part of tailtrace.
INTEG_BPF   := $(wildcard tests/integration/bpf/*.bpf.c)
INTEG_SKELS := $(patsubst tests/integration/bpf/%.bpf.c,$(BUILD)/tests/%.skel.h,$(INTEG_BPF))

$(BUILD)/tests/bpf/%.bpf.o: tests/integration/bpf/%.bpf.c $(wildcard bpf/*/*.h) \
		vmlinux/$(ARCH)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/%.skel.h: $(BUILD)/tests/bpf/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< > $@

$(INTEG_OBJS): $(INTEG_SKELS)

$(BUILD)/tests/integration_tests: $(INTEG_OBJS) $(CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LIBS) -lcriterion -o $@

run: all $(TARGETS)
	$(BUILD)/tailtrace func 'demo_*' -d 3s -- $(BUILD)/targets/demo

unit: deps $(BUILD)/tests/unit_tests
	TT_FIXTURES=$(abspath $(BUILD)/fixtures) $(BUILD)/tests/unit_tests --jobs 2

# Integration tests count whole-system things (links, programs), so they run one at a time.
integration: deps $(BUILD)/tailtrace $(TARGETS) $(BUILD)/tests/integration_tests
	TAILTRACE=$(abspath $(BUILD)/tailtrace) TARGETS=$(abspath $(BUILD)/targets) \
		$(BUILD)/tests/integration_tests --jobs 1

layers:
	$(Q)scripts/check-layers.sh

# The sanitizers and the fuzzer last, once the plain tests have passed.
test: layers unit integration
	$(Q)$(MAKE) --no-print-directory sanitize
	$(Q)$(MAKE) --no-print-directory fuzz

# The tool and both test programs with AddressSanitizer and UBSan, in a build dir of their
# own; every unit test and a few integration ones: the hostile inputs, a symbolized stack (and
# its svg and pprof), func runs. A report (leaks too) exits 86, which no test expects of tailtrace.
SAN_BUILD := build-san
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV   := ASAN_OPTIONS=exitcode=86 UBSAN_OPTIONS=exitcode=86:print_stacktrace=1
SAN_INTEGRATION := '@(bad_input/*|symbols/*|gates/*|diff/bad_input*|diff/markdown*|diff/series_in*|sched/offcpu_stacks*|stack_formats/*|profile/nearly*|profile/usage*|profile/dwarf*|profile/fp*|python/hostile*|python/profile_dwarf*|func/exact_count*|func/shared_library*|func/library_replaced*|slow_stacks/*|wall/*|run/*)'

sanitize: deps
	$(Q)$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) CFLAGS='-g -O1 $(SAN_FLAGS)' \
		LDFLAGS='$(SAN_FLAGS)' $(SAN_BUILD)/tailtrace $(SAN_BUILD)/tests/unit_tests \
		$(SAN_BUILD)/tests/integration_tests \
		$(patsubst $(BUILD)/%,$(SAN_BUILD)/%,$(TARGETS))
	$(SAN_ENV) TT_FIXTURES=$(abspath $(SAN_BUILD)/fixtures) $(SAN_BUILD)/tests/unit_tests --jobs 2
	$(SAN_ENV) TAILTRACE=$(abspath $(SAN_BUILD)/tailtrace) TARGETS=$(abspath $(SAN_BUILD)/targets) \
		$(SAN_BUILD)/tests/integration_tests --jobs 1 --filter $(SAN_INTEGRATION)

-include tests/fuzz/fuzz.mk

-include tests/bench/bench.mk

# BENCH=profile: that section alone, put in place of its own in tests/bench/RESULTS.md
bench: all $(TARGETS) $(BENCH_BINS)
	TAILTRACE=$(abspath $(BUILD)/tailtrace) BENCH_BUILD=$(abspath $(BUILD)/bench) \
		TARGETS=$(abspath $(BUILD)/targets) BENCH_ONLY='$(BENCH)' tests/bench/run.sh

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

clean:
	rm -rf $(BUILD) $(SAN_BUILD)
