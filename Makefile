# synexec - Synchronised Executioner
#
#   make                 build synexec_master and synexec_slave
#   make check           build and run every test (unit + integration)
#   make check SAN=1     the same under AddressSanitizer + UBSan
#   make demo            a master and four slaves on loopback
#   make install         PREFIX=/usr/local DESTDIR= SYSCONFDIR=$(PREFIX)/etc

PREFIX		?= /usr/local
BINDIR_INST	?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
ifeq ($(PREFIX),/usr)
SYSCONFDIR	?= /etc
else
SYSCONFDIR	?= $(PREFIX)/etc
endif
DESTDIR		?=

CC		?= cc
VERSION		:= $(shell cat VERSION 2>/dev/null || echo unknown)

WARN	= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	  -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wsign-compare
OPT	= -O2 -g
SAN	?=
ifeq ($(SAN),1)
OPT	= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=undefined
BUILD	= build/san
OUT	= build/san
else
BUILD	= build/normal
OUT	= .
endif

# Recursive (=) so pkg-config runs after tools/install-deps, not at parse time.
PKG_CFLAGS = $(shell pkg-config --cflags libconfuse libsodium 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs libconfuse libsodium 2>/dev/null)
CPPFLAGS += -D_GNU_SOURCE -DSYSCONFDIR='"$(SYSCONFDIR)"' \
	    -DSYNEXEC_VERSION='"$(VERSION)"' -Icommon
CFLAGS	 ?=
CFLAGS	 += -std=c11 $(OPT) $(WARN) -fstack-protector-strong $(PKG_CFLAGS)
LDFLAGS	 ?=
LDFLAGS  += $(filter -fsanitize%,$(OPT))
LDLIBS	  = -lev $(PKG_LIBS) -lm

COMMON_SRCS := $(wildcard common/*.c)
MASTER_SRCS := $(wildcard master/*.c)
SLAVE_SRCS  := $(wildcard slave/*.c)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)

COMMON_OBJS := $(COMMON_SRCS:%.c=$(BUILD)/%.o)
MASTER_OBJS := $(MASTER_SRCS:%.c=$(BUILD)/%.o)
SLAVE_OBJS  := $(SLAVE_SRCS:%.c=$(BUILD)/%.o)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

MASTER	= $(OUT)/synexec_master
SLAVE	= $(OUT)/synexec_slave

all: $(MASTER) $(SLAVE)

.PHONY: all deps deps-check check unit integration demo install uninstall clean

deps:
	@tools/install-deps build
deps-check:
	@tools/install-deps check

# Rebuild when a setting compiled into the objects changes.
FLAGS_STAMP = $(BUILD)/.settings
$(FLAGS_STAMP): FORCE
	@mkdir -p $(BUILD)
	@echo "$(SYSCONFDIR) $(VERSION) $(SAN) $(CC)" | cmp -s - $@ 2>/dev/null || \
	    echo "$(SYSCONFDIR) $(VERSION) $(SAN) $(CC)" > $@
FORCE:

$(BUILD)/%.o: %.c $(FLAGS_STAMP) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(MASTER): $(MASTER_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SLAVE): $(SLAVE_OBJS) $(COMMON_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the module under test from common/ (and master/ or slave/
# objects other than main.o when they test those).
UNIT_LINK_OBJS := $(COMMON_OBJS) $(filter-out %/main.o,$(SLAVE_OBJS))
$(BUILD)/tests/%: tests/unit/%.c $(UNIT_LINK_OBJS) | deps-check
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Islave -Imaster $(CFLAGS) -o $@ $^ $(LDFLAGS) \
	    $(LDLIBS) $$(pkg-config --libs cmocka)

check: deps-check
	@$(MAKE) --no-print-directory all $(UNIT_BINS)
	@tests/run --bindir $(OUT) --unit "$(UNIT_BINS)"

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo $(OUT)

install: all
	install -d $(DESTDIR)$(BINDIR_INST) $(DESTDIR)$(SYSCONFDIR)/synexec
	install -m 755 $(MASTER) $(DESTDIR)$(BINDIR_INST)/synexec_master
	install -m 755 $(SLAVE) $(DESTDIR)$(BINDIR_INST)/synexec_slave
	install -m 644 conf.examples/synexec.conf \
	    $(DESTDIR)$(SYSCONFDIR)/synexec/synexec.conf.example

uninstall:
	rm -f $(DESTDIR)$(BINDIR_INST)/synexec_master \
	    $(DESTDIR)$(BINDIR_INST)/synexec_slave \
	    $(DESTDIR)$(SYSCONFDIR)/synexec/synexec.conf.example

clean:
	rm -rf build synexec_master synexec_slave

-include $(COMMON_OBJS:.o=.d) $(MASTER_OBJS:.o=.d) $(SLAVE_OBJS:.o=.d)

# libFuzzer targets (clang).  FUZZ_SECONDS bounds each run.
FUZZ_SECONDS	?= 60
FUZZ_CFLAGS	 = -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Icommon
FUZZ_TARGETS	:= $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

build/fuzz/fuzz_proto: tests/fuzz/fuzz_proto.c common/proto.c | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^

.PHONY: fuzz fuzz-deps
fuzz-deps:
	@tools/install-deps fuzz
fuzz: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	    name=$$(basename $$t | sed 's/^fuzz_//'); \
	    mkdir -p build/fuzz/corpus-$$name; \
	    echo "fuzzing $$name for $(FUZZ_SECONDS) s"; \
	    $$t -max_total_time=$(FUZZ_SECONDS) -max_len=70000 \
	        build/fuzz/corpus-$$name tests/fuzz/corpus/$$name || exit 1; \
	done
