# ELF files with known symbols for tests/unit/test_elf_syms.c and test_binary_resolve.c, which
# find them through TT_FIXTURES=$(abspath $(BUILD)/fixtures). Included by the Makefile; on its
# own: make -f tests/unit/fixtures.mk BUILD=build CC=cc unit-fixtures

BUILD          ?= build
FIXTURE_DIR    := $(BUILD)/fixtures
FIXTURE_SRC    := tests/unit/fixtures
# -fno-inline keeps every fixture function a function of its own; no -g, the tests read symbols.
FIXTURE_CFLAGS := -O1 -fno-inline -Wall
STRIP          ?= strip

UNIT_FIXTURES := $(FIXTURE_DIR)/syms_pie $(FIXTURE_DIR)/syms_nopie \
		 $(FIXTURE_DIR)/syms_stripped $(FIXTURE_DIR)/libsyms.so $(FIXTURE_DIR)/libver.so \
		 $(FIXTURE_DIR)/syms_truncated $(FIXTURE_DIR)/libver_verdef_count.so \
		 $(FIXTURE_DIR)/unwind_qsort $(FIXTURE_DIR)/dbg_linked $(FIXTURE_DIR)/dbg_badcrc \
		 $(FIXTURE_DIR)/dbg_stripped

.PHONY: unit-fixtures
unit-fixtures: $(UNIT_FIXTURES)

$(FIXTURE_DIR)/syms_pie: $(FIXTURE_SRC)/syms.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIE -pie $< -o $@

$(FIXTURE_DIR)/syms_nopie: $(FIXTURE_SRC)/syms.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fno-pie -no-pie $< -o $@

# -rdynamic exports the global functions to .dynsym, the only table left after strip.
$(FIXTURE_DIR)/syms_stripped: $(FIXTURE_SRC)/syms.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIE -pie -rdynamic $< -o $@.tmp
	$(Q)$(STRIP) $@.tmp
	$(Q)mv $@.tmp $@

$(FIXTURE_DIR)/libsyms.so: $(FIXTURE_SRC)/syms.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIC -shared $< -o $@

$(FIXTURE_DIR)/libver.so: $(FIXTURE_SRC)/libver.c $(FIXTURE_SRC)/libver.map
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -fPIC -shared -Wl,--version-script=$(FIXTURE_SRC)/libver.map \
		$< -o $@

# Broken copies of the above, made by patching bytes (tests/unit/fixtures/elf_patch.c).
$(FIXTURE_DIR)/elf_patch: $(FIXTURE_SRC)/elf_patch.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O1 -Wall $< -o $@

$(FIXTURE_DIR)/syms_truncated: $(FIXTURE_DIR)/syms_pie $(FIXTURE_DIR)/elf_patch
	$(call msg,PATCH,$@)
	$(Q)$(FIXTURE_DIR)/elf_patch $< $@ truncate

$(FIXTURE_DIR)/libver_verdef_count.so: $(FIXTURE_DIR)/libver.so $(FIXTURE_DIR)/elf_patch
	$(call msg,PATCH,$@)
	$(Q)$(FIXTURE_DIR)/elf_patch $< $@ verdef-count

# A stack with no frame pointer anywhere (tests/unit/test_unwind.c): -O2 as distributions
# build, so the unwinder has only the call frame information to go by.
$(FIXTURE_DIR)/unwind_qsort: $(FIXTURE_SRC)/unwind_qsort.c bpf/abi/ustack.h \
		tests/targets/qsort_chain.h $(FIXTURE_DIR)/unwind_nocfi.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -fomit-frame-pointer -Wall -Wextra -Ibpf -Itests/targets -pthread $< \
		$(FIXTURE_DIR)/unwind_nocfi.o -o $@

# One function with no CFI at all (JIT code, hand-written assembly), but a frame pointer.
$(FIXTURE_DIR)/unwind_nocfi.o: $(FIXTURE_SRC)/unwind_nocfi.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-unwind-tables \
		-Wall -Wextra -c $< -o $@

# Separate debug files (tests/unit/test_debug_file.c): syms_pie with DWARF, stripped, its
# debug file apart: by .gnu_debuglink beside it (dbg_linked), with a CRC that does not match
# (dbg_badcrc: a byte added after linking), and by build id (dbg_stripped) under
# debugdir/.build-id/, where wrongdir/ holds another build's debug file at the same path.
$(FIXTURE_DIR)/dbg_full: $(FIXTURE_SRC)/syms.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FIXTURE_CFLAGS) -g -fPIE -pie $< -o $@

$(FIXTURE_DIR)/dbg_linked $(FIXTURE_DIR)/dbg_badcrc: $(FIXTURE_DIR)/dbg_full
	$(call msg,STRIP,$@)
	$(Q)objcopy --only-keep-debug $< $@.debug
	$(Q)objcopy --strip-all --add-gnu-debuglink=$@.debug $< $@
	$(Q)case $@ in *badcrc) printf x >> $@.debug ;; esac

$(FIXTURE_DIR)/dbg_stripped: $(FIXTURE_DIR)/dbg_full $(FIXTURE_DIR)/libsyms.so
	$(call msg,STRIP,$@)
	$(Q)id=$$(readelf -n $< | sed -n 's/.*Build ID: //p'); \
		sub=.build-id/$$(echo $$id | cut -c1-2); file=$$(echo $$id | cut -c3-).debug; \
		mkdir -p $(@D)/debugdir/$$sub $(@D)/wrongdir/$$sub && \
		objcopy --only-keep-debug $< $(@D)/debugdir/$$sub/$$file && \
		objcopy --only-keep-debug $(FIXTURE_DIR)/libsyms.so $(@D)/wrongdir/$$sub/$$file
	$(Q)objcopy --strip-all $< $@
