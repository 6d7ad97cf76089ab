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

# Unit tests: tests/unit/X_test.c links src/core/X.c (plus UNIT_DEPS_X).
UNIT_SRC:=	$(wildcard tests/unit/*_test.c)
UNIT_BIN:=	$(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRC))

# Fuzz targets: tests/fuzz/X_fuzz.c links src/core/X.c.
FUZZ_SRC:=	$(wildcard tests/fuzz/*_fuzz.c)
FUZZ_BIN:=	$(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_RUNS?=	10000000

# The template fuzzer runs with a small render budget: inputs that expand
# exponentially would otherwise spend the default budget on every run.
FUZZ_DEPS_tmpl=		-DTMPL_MAX_WORK=20000 -DTMPL_MAX_OUTPUT=262144
FUZZ_DEPS_appview=	src/core/appform.c src/core/valid.c src/core/mailfmt.c src/core/form.c

# Extra objects and libraries of the unit tests that need them.
UNIT_DEPS_totp=		-loath
UNIT_DEPS_qrsvg=	-lqrencode
UNIT_DEPS_pwpolicy=	src/core/form.c
UNIT_DEPS_mailfmt=	src/core/form.c
UNIT_DEPS_valid=	src/core/mailfmt.c src/core/form.c
UNIT_DEPS_md=		-lcmark
UNIT_DEPS_roundform=	src/core/valid.c src/core/mailfmt.c src/core/form.c
UNIT_DEPS_pdfcheck=	-lqpdf
UNIT_DEPS_appform=	src/core/valid.c src/core/mailfmt.c src/core/form.c
UNIT_DEPS_keyring=	src/core/filecrypt.c
UNIT_DEPS_appview=	src/core/appform.c src/core/valid.c src/core/mailfmt.c src/core/form.c
UNIT_DEPS_sealstr=	src/core/keyring.c src/core/filecrypt.c

.PHONY: all build unit fuzz fuzz-short clean run test bench

all: build

unit-build: $(UNIT_BIN)

$(BUILD)/unit/%_test: tests/unit/%_test.c src/core/%.c src/core/%.h
	@mkdir -p $(@D)
	@echo "CC $@"
	@$(CC) $(CFLAGS_BASE) -O1 $(SAN) -o $@ $< src/core/$*.c \
	    $(UNIT_DEPS_$*) -lcmocka $(CORE_LIBS)

unit: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do \
		CMOCKA_MESSAGE_OUTPUT=TAP ./$$t || exit 1; done

$(BUILD)/fuzz/%_fuzz: tests/fuzz/%_fuzz.c src/core/%.c src/core/%.h
	@mkdir -p $(@D)
	@echo "FUZZ $@"
	@$(FUZZCC) $(CFLAGS_BASE) -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -o $@ $< src/core/$*.c \
	    $(FUZZ_DEPS_$*) $(CORE_LIBS)

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
MOD_LIBS=	-ljansson -lsodium -loath -lqrencode -lpq -lcrypto -lcmark -lqpdf
# The floor (web/) and the domains, each in its own folder.
DOMAINS=	accounts applications admin public
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

$(BUILD)/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(@D)
	@echo "CC $<"
	@$(CC) $(MOD_CFLAGS) -c -o $@ $<

$(MODULE): $(MOD_OBJ) Makefile
	@echo "LD $@"
	@$(CC) -shared $(MOD_SAN) -o $@ $(MOD_OBJ) $(MOD_LIBS)

$(LAURELCTL): $(wildcard src/laurelctl/*.c src/laurelctl/*.h) \
    src/core/mailfmt.c src/core/form.c src/core/valid.c src/core/pwhash.c \
    src/core/filecrypt.c src/core/keyring.c src/core/sealstr.c \
    src/core/mailfmt.h src/core/form.h src/core/valid.h src/core/pwhash.h \
    src/core/filecrypt.h src/core/keyring.h src/core/sealstr.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_BASE) -I/usr/include/postgresql -o $@ \
	    $(wildcard src/laurelctl/*.c) src/core/mailfmt.c src/core/form.c \
	    src/core/valid.c src/core/pwhash.c src/core/filecrypt.c \
	    src/core/keyring.c src/core/sealstr.c -lpq -lsodium -lcurl

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
