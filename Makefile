# samsvar — build, run, test.  `make run` and `make test` do all set-up on a fresh Debian 12 machine.
#
# Variables kept apart as Redis and git do, so a sanitizer or release build changes one of them only.
STD   = -std=c11 -D_GNU_SOURCE
WARN  = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wformat=2 \
        -Wno-format-nonliteral
OPT  ?= -O2
DEBUG ?= -g
SAN  ?=
PKGS  = libmicrohttpd libcjson libxml-2.0 sqlite3 libcurl libsodium gnutls zlib libzip
CFLAGS_ALL  = $(STD) $(WARN) $(OPT) $(DEBUG) $(SAN) -Iinclude -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LDLIBS_ALL  = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm $(LDLIBS)
TEST_LIBS   = $(shell pkg-config --libs criterion 2>/dev/null)

BUILD ?= build
SRCS  := $(wildcard gateway/*.c)
# gateway/data/* (e.g. OperationDefinitions) compiled in through a generated C file (data.h).
DATA  := $(wildcard gateway/data/*)
# gateway/web/* (the web page served at /) compiled in the same way (web.h), each file with its ETag.
WEB   := $(wildcard gateway/web/*)
OBJS  := $(SRCS:gateway/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen_data.o $(BUILD)/obj/gen_web.o
LIBOBJS := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
TSUP  := $(wildcard tests/support/*.c)
TSUPOBJS := $(TSUP:tests/support/%.c=$(BUILD)/tobj/support_%.o)
TESTS := $(wildcard tests/test_*.c)
TBINS := $(TESTS:tests/%.c=$(BUILD)/tests/%)

# Dev packages that the build and the tests need (Debian 12 names).
APT_PKGS = build-essential pkg-config libmicrohttpd-dev libcjson-dev libxml2-dev libsqlite3-dev \
           libcurl4-openssl-dev libsodium-dev libgnutls28-dev zlib1g-dev libzip-dev libcriterion-dev libxml2-utils python3 python3-jsonschema \
           openssl
BENCH_PKGS = wrk nginx-light

CONF  ?= conf/samsvar.conf
LISTEN ?= 127.0.0.1:8080
SHARED ?= $(CURDIR)/../shared
export SAMSVAR_SHARED ?= $(SHARED)

.PHONY: all deps js-deps bench-deps run test unit asan tsan valgrind bench fuzz clean check-content conformance

all: $(BUILD)/samsvar

deps:
	@sh tools/install-deps.sh $(APT_PKGS)

# node, npm and chromium from Debian (when absent), and fhir-kit-client and playwright-core as
# tests/js/package-lock.json pins them (npm ci; playwright-core drives /usr/bin/chromium, it downloads
# no browser); never fails: tests/run.sh skips the JavaScript and browser tests visibly when they are missing.
js-deps:
	@sh tools/install-js-deps.sh

bench-deps:
	@sh tools/install-deps.sh $(BENCH_PKGS)

$(BUILD)/samsvar: $(OBJS)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/obj/%.o: gateway/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

%/gen/data.c: $(DATA) tools/embed-data.py
	python3 tools/embed-data.py $@ $(DATA)

$(BUILD)/obj/gen_data.o: $(BUILD)/gen/data.c | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

%/gen/web.c: $(WEB) tools/embed-data.py
	python3 tools/embed-data.py --web $@ $(WEB)

$(BUILD)/obj/gen_web.o: $(BUILD)/gen/web.c | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/tobj/support_%.o: tests/support/%.c | $(BUILD)/tobj
	$(CC) $(CFLAGS_ALL) -Itests -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(LIBOBJS) $(TSUPOBJS) | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -Itests -o $@ $< $(LIBOBJS) $(TSUPOBJS) $(LDLIBS_ALL) $(TEST_LIBS)

$(BUILD)/obj $(BUILD)/tobj $(BUILD)/tests:
	mkdir -p $@

# Serve the bundled content; the store is created and loaded on first start.
run: deps
	$(MAKE) all
	./$(BUILD)/samsvar serve --config $(CONF) --listen $(LISTEN)

# The whole suite: unit tests per module and black-box tests against the real daemon.
test: deps js-deps
	$(MAKE) all $(TBINS)
	@sh tests/run.sh $(BUILD)

asan: deps
	$(MAKE) BUILD=build-asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	        build-asan/samsvar $(TESTS:tests/%.c=build-asan/tests/%)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  sh tests/run.sh build-asan

# The daemon built with ThreadSanitizer, driven by the black-box suites (concurrent readers, snapshot
# swaps under load); a race report makes the daemon exit non-zero, which fails the suite.
tsan: deps
	$(MAKE) all $(TBINS)
	$(MAKE) BUILD=build-tsan OPT=-O1 SAN="-fsanitize=thread" build-tsan/samsvar
	@SAMSVAR_BIN=$(CURDIR)/build-tsan/samsvar TSAN_OPTIONS="halt_on_error=1" \
	  TESTS_GLOB="test_api* test_cli" sh tests/run.sh $(BUILD)

# HL7's terminology ecosystem cases against a fresh daemon (issue 10): prints the runner's summary.
conformance: deps
	$(MAKE) all
	@sh tools/conformance.sh $(BUILD)

valgrind: deps
	$(MAKE) all $(TBINS)
	@VALGRIND=1 sh tests/run.sh $(BUILD)

bench: deps bench-deps
	$(MAKE) all
	@sh bench/run.sh $(BUILD)

# libFuzzer targets: fuzz/<name>_fuzz.c with its seeds in fuzz/corpus/<name>/; a new pair needs no edit
# here. The library is compiled once with clang, and each target runs FUZZ_SECONDS on inputs of up to
# FUZZ_MAX_LEN bytes (libFuzzer's 4 KB default never reaches the request caps). A crash, leak or
# sanitizer report fails the run and names the reproducer (tools/fuzz.sh).
FUZZ_SECONDS ?= 20
FUZZ_MAX_LEN ?= 262144
FUZZ_CFLAGS  = $(STD) $(WARN) -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -Iinclude -MMD -MP $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_SRCS := $(wildcard fuzz/*_fuzz.c)
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build-fuzz/%)
FUZZ_LIBOBJS := $(LIBOBJS:$(BUILD)/obj/%=build-fuzz/obj/%)

build-fuzz/obj/%.o: gateway/%.c | build-fuzz/obj
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/%_fuzz: fuzz/%_fuzz.c $(FUZZ_LIBOBJS)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBOBJS) $(LDLIBS_ALL)

build-fuzz/obj/gen_data.o: build-fuzz/gen/data.c | build-fuzz/obj
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/obj/gen_web.o: build-fuzz/gen/web.c | build-fuzz/obj
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/obj:
	mkdir -p $@

# The test support and fuzz library objects are built only as prerequisites of pattern rules, which
# makes them intermediates that make deletes, so every run would compile them again.
.SECONDARY: $(TSUPOBJS) $(FUZZ_LIBOBJS) $(BUILD)/gen/data.c build-fuzz/gen/data.c $(BUILD)/gen/web.c \
            build-fuzz/gen/web.c

fuzz: deps
	@sh tools/install-deps.sh clang
	$(MAKE) $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) sh tools/fuzz.sh $(FUZZ_BINS)

# Cross-checks mappings/ against the source files in $(SHARED)/terminology.
check-content:
	python3 tools/check-content.py

clean:
	rm -rf build build-asan build-tsan build-fuzz

-include $(OBJS:.o=.d) $(TSUPOBJS:.o=.d) $(TBINS:=.d) $(FUZZ_LIBOBJS:.o=.d) $(FUZZ_BINS:=.d)
