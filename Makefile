# Laurel: build, run and test. See README.md.

CC?=		cc
FUZZCC?=	clang
BUILD=		build

KORE_FEATURES!=	cat /usr/share/kore/features 2>/dev/null
WARN=		-Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
		-Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations \
		-Wsign-compare
CFLAGS_BASE=	-std=gnu11 -D_GNU_SOURCE -g -O2 $(WARN) -Isrc
SAN=		-fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined
CORE_LIBS=	-ljansson -lsodium -lcrypto

# Pure core: no Kore include, unit-tested and fuzzed.
CORE_SRC:=	$(wildcard src/core/*.c)

# Unit tests (tests/unit/core/X_test.c) and fuzz targets
# (tests/fuzz/core/X_fuzz.c; seeds in tests/fuzz/seeds/X/)
# link the files of the pure core they need: tools/coredeps.sh follows the
# core headers they include (and those of each .c it brings in) and writes
# the list beside the binary, as a make rule. Libraries are named once per
# core module below, and come with it.
UNIT_SRC:=	$(wildcard tests/unit/core/*_test.c)
UNIT_BIN:=	$(patsubst tests/unit/core/%.c,$(BUILD)/unit/%,$(UNIT_SRC))

FUZZ_SRC:=	$(wildcard tests/fuzz/core/*_fuzz.c)
FUZZ_BIN:=	$(patsubst tests/fuzz/core/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_RUNS?=	10000000

LIBS_totp=	-loath
LIBS_qrsvg=	-lqrencode
LIBS_md=	-lcmark
LIBS_pdfcheck=	-lqpdf
LIBS_conflict=	-lutf8proc
LIBS_assign=	-lglpk
LIBS_pdfstrip=	-lqpdf
LIBS_rank=	-lm
LIBS_gzip=	-lz

# The core files among a target's prerequisites, and their libraries.
core_c=		$(filter src/core/%.c,$^)
core_libs=	$(foreach m,$(basename $(notdir $(core_c))),$(LIBS_$(m)))

# The template fuzzer runs with a small render budget: inputs that expand
# exponentially would otherwise spend the default budget on every run.
FUZZ_FLAGS_tmpl=	-DTMPL_MAX_WORK=20000 -DTMPL_MAX_OUTPUT=262144

.PHONY: all build unit fuzz fuzz-short clean run test bench

all: build

unit-build: $(UNIT_BIN)

$(BUILD)/unit/%_test.d: tests/unit/core/%_test.c tools/coredeps.sh
	@mkdir -p $(@D)
	@tools/coredeps.sh $(BUILD)/unit/$*_test $< >$@

$(BUILD)/unit/%_test: tests/unit/core/%_test.c
	@mkdir -p $(@D)
	@echo "CC $@"
	@$(CC) $(CFLAGS_BASE) -O1 $(SAN) -o $@ $< $(core_c) $(core_libs) \
	    -lcmocka $(CORE_LIBS)

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do \
		CMOCKA_MESSAGE_OUTPUT=TAP ./$$t || exit 1; done

$(BUILD)/fuzz/%_fuzz.d: tests/fuzz/core/%_fuzz.c tools/coredeps.sh
	@mkdir -p $(@D)
	@tools/coredeps.sh $(BUILD)/fuzz/$*_fuzz $< >$@

$(BUILD)/fuzz/%_fuzz: tests/fuzz/core/%_fuzz.c
	@mkdir -p $(@D)
	@echo "FUZZ $@"
	@$(FUZZCC) $(CFLAGS_BASE) -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $< $(core_c) $(core_libs) \
	    $(FUZZ_FLAGS_$*) $(CORE_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f _fuzz); \
		mkdir -p $(BUILD)/corpus/$$n; \
		./$$f -runs=$(FUZZ_RUNS) -print_final_stats=1 -artifact_prefix=$(BUILD)/ \
		    $(BUILD)/corpus/$$n tests/fuzz/seeds/$$n || exit 1; done

clean:
	rm -rf $(BUILD)


# --- The Kore module and the operator's tool -------------------------------

MODULE=		$(BUILD)/laurel.so
LAURELCTL=	$(BUILD)/laurelctl
MOD_CFLAGS=	$(CFLAGS_BASE) -fPIC $(KORE_FEATURES) $(MOD_SAN)
MOD_LIBS=	-ljansson -lsodium -loath -lqrencode -lpq -lcrypto -lcmark -lqpdf -lutf8proc -lglpk -lm -lz -lzip
# The floor (web/) and the domains, each in its own folder.
DOMAINS=	accounts applications admin panel review decide public
WEB_SRC:=	$(wildcard src/web/*.c $(DOMAINS:%=src/%/*.c))
ASSET_FILES:=	$(shell find assets -type f | sort)
HEADERS:=	$(wildcard src/web/*.h src/core/*.h $(DOMAINS:%=src/%/*.h))

MOD_OBJ:=	$(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE_SRC) $(WEB_SRC)) \
		$(BUILD)/obj/embedded.o

$(BUILD)/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -o $@ $<

$(BUILD)/gen/embedded.c: $(BUILD)/embed $(ASSET_FILES)
	@mkdir -p $(@D)
	@$(BUILD)/embed $@ assets/ $(ASSET_FILES)

$(BUILD)/obj/embedded.o: $(BUILD)/gen/embedded.c src/web/embedded.h
	@mkdir -p $(@D)
	@$(CC) -std=gnu11 -O1 -fPIC -Isrc -c -o $@ $<

# Each object's headers, as the compiler saw them (-MMD). An object
# without its .d (built before, or the .d lost) is built again: its
# headers are not known, so it may be stale.
$(BUILD)/obj/%.o: src/%.c $(BUILD)/obj/%.d
	@mkdir -p $(@D)
	@echo "CC $<"
	@$(CC) $(MOD_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.d: ;
.PRECIOUS: $(BUILD)/obj/%.d

$(MODULE): $(MOD_OBJ) Makefile
	@echo "LD $@"
	@$(CC) -shared $(MOD_SAN) -o $@ $(MOD_OBJ) $(MOD_LIBS)

$(LAURELCTL).d: $(wildcard src/laurelctl/*.c) tools/coredeps.sh
	@mkdir -p $(@D)
	@tools/coredeps.sh $(LAURELCTL) $(wildcard src/laurelctl/*.c) >$@

# laurelctl carries the webmail list too (migrate computes the conflict
# keys of applications saved before the panel existed).
$(BUILD)/gen/ctl_embedded.c: $(BUILD)/embed assets/data/webmail-domains.txt
	@mkdir -p $(@D)
	@$(BUILD)/embed $@ assets/ assets/data/webmail-domains.txt

$(LAURELCTL): $(wildcard src/laurelctl/*.h) $(BUILD)/gen/ctl_embedded.c
	@mkdir -p $(@D)
	@echo "CC $@"
	@$(CC) $(CFLAGS_BASE) -I/usr/include/postgresql -o $@ \
	    $(filter %.c,$^) $(core_libs) -lpq -lsodium -lcurl -ljansson

build: $(MODULE) $(LAURELCTL)

# --- Running, testing, measuring --------------------------------------------

run:
	@tools/run.sh

# The module the HTTP and browser suites load: ASan/UBSan-instrumented,
# with the sanitizer runtime preloaded into Kore by the harness.
SAN_MODULE=	$(BUILD)/san/laurel.so

$(SAN_MODULE): $(CORE_SRC) $(WEB_SRC) $(HEADERS) $(ASSET_FILES)
	@$(MAKE) -s BUILD=$(BUILD)/san MOD_SAN="$(SAN)" $(SAN_MODULE)

TEST_DEPS=	build unit-build fuzz-build $(SAN_MODULE)

test: $(TEST_DEPS)
	@tests/run.sh

test-%: $(TEST_DEPS)
	@tests/run.sh $*

bench: build
	@node tests/bench/bench.mjs

# What tools/coredeps.sh and the compiler found, once they have run.
ifneq ($(MAKECMDGOALS),clean)
-include $(UNIT_BIN:=.d) $(FUZZ_BIN:=.d) $(LAURELCTL).d
-include $(MOD_OBJ:.o=.d)
endif
