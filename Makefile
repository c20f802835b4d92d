# docpipe: a plain Makefile driven by pkg-config.
#   make            build/docpipe (and build/docgen, the sample generator)
#   make check      the whole test suite (unit, integration, sanitizers)
#   make demo       install what is missing, build, run the demo
#   make bench      the benchmarks
#   make soak       10,000 documents, three workers, faults injected
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS each
#   make readme-config  README.md's configuration reference, regenerated
#   make eval-corpus    docpipe eval on ../shared/corpus, when it exists
#   make receipt-eval   docpipe eval on generated receipt photos (OCR)
#   make SANITIZE=1 build into build-asan/ with ASan and UBSan

CC      ?= cc
PKGS    := rdkafka poppler-glib gio-2.0 cairo libuv yaml-0.1 jansson libpq libcurl libexttextcat \
           libcrypto libseccomp libmicrohttpd tesseract lept
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Werror
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) -MMD -MP \
           $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lpthread -lm

# The docpipe binary (the worker and its extraction children) allocates
# with mimalloc: Poppler is allocation-bound, and mimalloc takes a sixth
# fewer instructions per page than glibc's malloc (callgrind). Linked
# first, it replaces malloc for every library. Not under the sanitizers,
# which bring their own.
MALLOC  := -lmimalloc

ifeq ($(SANITIZE),1)
MALLOC  :=
BUILD   ?= build-asan
CFLAGS  += -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
else
BUILD   ?= build
endif

SRC     := $(wildcard worker/*.c worker/model/*.c stages/*.c)
LIBSRC  := $(filter-out worker/main.c,$(SRC))
OBJ     := $(LIBSRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o \
           $(BUILD)/gen/field_schemas.o
TESTS   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
MIGRATIONS := $(sort $(wildcard schemas/[0-9]*.sql))
FIELD_SCHEMAS := $(sort $(wildcard schemas/fields/*.json))

.PHONY: all deps check unit unit-bins integration demo bench soak lint format clean valgrind fuzz \
        readme-config deploy-check eval-corpus ocr-corpus receipt-eval

all: $(BUILD)/docpipe $(BUILD)/docgen $(BUILD)/fake-openai $(BUILD)/mkscan

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) schemas/embed.sh
	@mkdir -p $(dir $@)
	sh schemas/embed.sh $(MIGRATIONS) > $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(CC) $(CFLAGS) -Iworker -c -o $@ $<

$(BUILD)/gen/field_schemas.c: $(FIELD_SCHEMAS) schemas/embed-fields.sh
	@mkdir -p $(dir $@)
	sh schemas/embed-fields.sh $(FIELD_SCHEMAS) > $@

$(BUILD)/gen/field_schemas.o: $(BUILD)/gen/field_schemas.c
	$(CC) $(CFLAGS) -Iworker -c -o $@ $<

$(BUILD)/libdocpipe.a: $(OBJ)
	ar rcs $@ $^

$(BUILD)/docpipe: $(BUILD)/worker/main.o $(BUILD)/libdocpipe.a
	$(CC) $(LDFLAGS) -o $@ $^ $(MALLOC) $(LDLIBS)

$(BUILD)/docgen: samples/docgen.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# The fake OpenAI-compatible server the tests control (loopback only).
$(BUILD)/fake-openai: tests/fake/fake_openai.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags libmicrohttpd) $(LDFLAGS) -o $@ $< \
		$(shell pkg-config --libs libmicrohttpd) $(LDLIBS)

# Scans drawn with cairo for the OCR integration test (t_ocr).
$(BUILD)/mkscan: tests/integration/mkscan.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/ocr-corpus: bench/ocr_corpus.c $(BUILD)/libdocpipe.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libdocpipe.a $(LDLIBS)

$(BUILD)/bench-bare: bench/bare.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# The OCR bench's baseline (a bare Tesseract loop) and its page images.
$(BUILD)/bench-ocr-bare: bench/ocr_bare.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/scangen: bench/scangen.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libdocpipe.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(shell pkg-config --cflags check) $(LDFLAGS) -o $@ $< \
		$(BUILD)/libdocpipe.a $(LDLIBS) $(shell pkg-config --libs check)

# Installs the Debian packages docpipe needs to build, test and run.
deps:
	sh deploy/deps.sh

unit-bins: $(TESTS)

unit: $(TESTS) all
	sh tests/run-unit.sh $(BUILD) $(TESTS)

integration: all
	bash tests/integration/run.sh $(BUILD)

# The whole suite: plain build, unit tests (also under valgrind), then the
# sanitizer build with unit and integration tests.
check:
	sh tests/check.sh

demo:
	sh samples/demo.sh

bench: all $(BUILD)/bench-bare $(BUILD)/fake-openai $(BUILD)/bench-ocr-bare $(BUILD)/scangen
	bash bench/run.sh $(BUILD)
	bash bench/ocr.sh $(BUILD)
	bash bench/remote.sh $(BUILD)

# 10,000 documents, three workers, faults injected (minutes; not in check).
soak: all
	bash bench/soak.sh $(BUILD)

fuzz:
	sh tests/fuzz/run.sh

# `docpipe eval` of the builtin on the real documents of ../shared/corpus
# (invoices with their expected fields, tax forms), when it exists; they
# are read where they are, never copied here. Not in check.
CORPUS ?= ../shared/corpus
# Word accuracy of OCR on $(CORPUS)/ocr_pages (page images, rotated
# copies, ground truth), when it exists. Not in check.
ocr-corpus: $(BUILD)/ocr-corpus
	@if [ -d "$(CORPUS)/ocr_pages/files" ]; then \
		$(BUILD)/ocr-corpus $(CORPUS)/ocr_pages/files 2>/dev/null; \
	else \
		echo "ocr-corpus: no $(CORPUS)/ocr_pages: nothing to measure"; \
	fi

# `docpipe eval` on generated receipt photos (docgen, scangen): total,
# date and merchant exact match through the real OCR path. Not in check.
receipt-eval: all $(BUILD)/scangen
	bash bench/receipts.sh $(BUILD)

eval-corpus: all
	@if [ -d "$(CORPUS)/invoices_invoice2data/files" ]; then \
		$(BUILD)/docpipe eval --quiet --mismatches \
			--labels $(CORPUS)/invoices_invoice2data/files \
			--labels $(CORPUS)/tax_forms/files --type tax_form; \
	else \
		echo "eval-corpus: no $(CORPUS): nothing to evaluate"; \
	fi

# README.md's configuration reference, from `docpipe config --reference`.
readme-config: $(BUILD)/docpipe
	sh docs/config-reference.sh $(BUILD)/docpipe README.md

# Offline checks of the configuration reference, docker-compose.yml and
# deploy/k8s (tests/deploy/check.sh; part of make check).
deploy-check: $(BUILD)/docpipe
	sh tests/deploy/check.sh $(BUILD)

valgrind: $(TESTS)
	sh tests/run-unit.sh --valgrind $(BUILD) $(TESTS)

format:
	clang-format -i $(wildcard worker/*.[ch] worker/model/*.[ch] stages/*.[ch] tests/unit/*.c samples/*.c)

lint:
	clang-format --dry-run --Werror $(wildcard worker/*.[ch] worker/model/*.[ch] stages/*.[ch])
	cppcheck --quiet --enable=warning,style,performance,portability \
		--error-exitcode=1 --inline-suppr -D_GNU_SOURCE worker stages

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
