# `make fuzz`: the ELF reader (userspace/symbols/elf_syms.c, and debug_file.c's build id and
# .gnu_debuglink), the JIT map reader (symbols/perf_map.c), the reader of Python code objects
# (userspace/python/pycode.c) and the reader of saved runs
# (report/json.c, and what is done with a run read back) under libFuzzer with ASan and UBSan
# for FUZZ_SECONDS each, from seed corpora: the unit fixtures (tests/unit/fixtures.mk), and
# a run saved by the unit tests' emitters.
# clang's libFuzzer runtime comes from Debian's libclang-rt-14-dev (scripts/deps.sh).
# A crash fails the run and leaves the input in $(FUZZ_DIR)/crash-*; replay one with
# `$(FUZZ_DIR)/fuzz_elf_syms FILE`.

FUZZ_SECONDS ?= 30
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-fno-omit-frame-pointer
FUZZ_SRCS    := tests/fuzz/fuzz_elf_syms.c userspace/symbols/elf_syms.c \
		userspace/symbols/debug_file.c userspace/core/safe_open.c

# -lz: debug_file.c's CRC32.
$(FUZZ_DIR)/fuzz_elf_syms: $(FUZZ_SRCS) userspace/symbols/elf_syms.h userspace/core/safe_open.h \
		userspace/symbols/debug_file.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(TT_CFLAGS) $(FUZZ_SRCS) \
		$(shell pkg-config --libs libelf 2>/dev/null || echo -lelf) -lz -o $@

# JIT maps (symbols/perf_map.c): text the traced process writes.
FUZZ_MAP_SRCS := tests/fuzz/fuzz_perf_map.c userspace/symbols/perf_map.c

$(FUZZ_DIR)/fuzz_perf_map: $(FUZZ_MAP_SRCS) userspace/symbols/perf_map.h userspace/core/array.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(TT_CFLAGS) $(FUZZ_MAP_SRCS) -o $@

# The reader of a Python process's code objects (userspace/python/pycode.c).
$(FUZZ_DIR)/fuzz_pycode: tests/fuzz/fuzz_pycode.c userspace/python/pycode.c \
		userspace/python/pycode.h bpf/abi/pystack.h
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(TT_CFLAGS) tests/fuzz/fuzz_pycode.c userspace/python/pycode.c \
		-o $@

# -lz below: report/pprof.c compresses its profiles.
FUZZ_RUN_SRCS := tests/fuzz/fuzz_run_json.c $(wildcard userspace/report/*.c userspace/model/*.c \
		 userspace/json/*.c) userspace/gates/slo.c userspace/core/safe_open.c

$(FUZZ_DIR)/fuzz_run_json: $(FUZZ_RUN_SRCS) $(wildcard userspace/*/*.h)
	$(call msg,FUZZ-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(TT_CFLAGS) $(FUZZ_RUN_SRCS) -lm -lz -o $@

# The corpora grow run after run in $(FUZZ_DIR)/corpus*; the seeds are copied in each time.
fuzz: deps $(FUZZ_DIR)/fuzz_elf_syms $(FUZZ_DIR)/fuzz_run_json $(FUZZ_DIR)/fuzz_perf_map \
      $(FUZZ_DIR)/fuzz_pycode $(UNIT_FIXTURES) tests/fuzz/run-seed.json tests/fuzz/perf-map-seed.map
	$(Q)mkdir -p $(FUZZ_DIR)/corpus $(FUZZ_DIR)/corpus-run $(FUZZ_DIR)/corpus-map \
		$(FUZZ_DIR)/corpus-pycode
	$(Q)cp $(UNIT_FIXTURES) $(FUZZ_DIR)/corpus/
	$(Q)cp tests/fuzz/run-seed.json $(FUZZ_DIR)/corpus-run/
	$(Q)cp tests/fuzz/perf-map-seed.map $(FUZZ_DIR)/corpus-map/
	$(FUZZ_DIR)/fuzz_elf_syms -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(FUZZ_DIR)/ $(FUZZ_DIR)/corpus
	$(FUZZ_DIR)/fuzz_run_json -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-max_len=65536 -artifact_prefix=$(FUZZ_DIR)/run- $(FUZZ_DIR)/corpus-run
	$(FUZZ_DIR)/fuzz_perf_map -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-max_len=16384 -artifact_prefix=$(FUZZ_DIR)/map- $(FUZZ_DIR)/corpus-map
	$(FUZZ_DIR)/fuzz_pycode -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-max_len=8192 -artifact_prefix=$(FUZZ_DIR)/pycode- $(FUZZ_DIR)/corpus-pycode
