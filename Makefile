# synexec - Synchronised Executioner
#
#   make                 build synexec_master and synexec_slave
#   make check           build and run every test (unit + integration)
#   make check SAN=1     the same under AddressSanitizer + UBSan
#   make demo            a master and four slaves on loopback
#   make install         PREFIX=/usr/local DESTDIR= SYSCONFDIR=$(PREFIX)/etc
#                        (also tools/synexec_plot, Python 3 + matplotlib)
#                        MANDIR=$(PREFIX)/share/man
#                        SYSTEMDUNITDIR=$(PREFIX)/lib/systemd/system

PREFIX		?= /usr/local
BINDIR_INST	?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
# systemd looks in /usr/local/lib/systemd/system too; Debian's is /lib/...
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
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
	    -DSYNEXEC_VERSION='"$(VERSION)"' -Icommon \
	    -DSYNEXEC_PLOT_PATH='"$(BINDIR_INST)/synexec_plot"'
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

.PHONY: all deps deps-check check unit integration demo install uninstall clean \
	bench bench-quick bench-tools

deps:
	@tools/install-deps build
deps-check:
	@tools/install-deps check

# Rebuild when a setting compiled into the objects changes.
FLAGS_STAMP = $(BUILD)/.settings
$(FLAGS_STAMP): FORCE
	@mkdir -p $(BUILD)
	@echo "$(SYSCONFDIR) $(BINDIR_INST) $(VERSION) $(SAN) $(CC)" | cmp -s - $@ 2>/dev/null || \
	    echo "$(SYSCONFDIR) $(BINDIR_INST) $(VERSION) $(SAN) $(CC)" > $@
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

# test_verdict: the master's verdict table, alone (master/verdict.o).
$(BUILD)/tests/test_verdict: tests/unit/test_verdict.c $(BUILD)/master/verdict.o \
    $(COMMON_OBJS) | deps-check
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Imaster $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS) \
	    $$(pkg-config --libs cmocka)

# test_series, test_stats: the master's pure modules, alone.
$(BUILD)/tests/test_series: tests/unit/test_series.c $(BUILD)/master/series.o \
    $(COMMON_OBJS) | deps-check
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Imaster $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS) \
	    $$(pkg-config --libs cmocka)
$(BUILD)/tests/test_stats: tests/unit/test_stats.c $(BUILD)/master/stats.o \
    $(COMMON_OBJS) | deps-check
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Imaster $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS) \
	    $$(pkg-config --libs cmocka)

check: deps-check
	@$(MAKE) --no-print-directory all $(UNIT_BINS) bench-tools fuzz-if-clang
	@tests/run --bindir $(OUT) --unit "$(UNIT_BINS)"

# Benchmarks (bench/README.md): `make bench` (root: network namespaces, a few
# minutes) prints the table; `make bench-quick` is the seconds-long loopback
# subset that CI runs (it checks the benches work, not their figures).
include bench/bench.mk
bench-tools: $(BENCH_BINS)
bench: deps
	@$(MAKE) --no-print-directory all bench-tools
	@bench/run --bindir $(OUT) --tools $(BENCH_OUT)
bench-quick: deps
	@$(MAKE) --no-print-directory all bench-tools
	@bench/run --quick --bindir $(OUT) --tools $(BENCH_OUT)

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo $(OUT)

# The configuration file is installed only where there is none, so that an
# edited one survives; the example beside it is always the current one.  The
# systemd unit gets this PREFIX's and SYSCONFDIR's paths.
install: all
	install -d $(DESTDIR)$(BINDIR_INST) $(DESTDIR)$(SYSCONFDIR)/synexec \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 755 $(MASTER) $(DESTDIR)$(BINDIR_INST)/synexec_master
	install -m 755 $(SLAVE) $(DESTDIR)$(BINDIR_INST)/synexec_slave
	install -m 755 tools/synexec_plot $(DESTDIR)$(BINDIR_INST)/synexec_plot
	install -m 644 conf.examples/synexec.conf \
	    $(DESTDIR)$(SYSCONFDIR)/synexec/synexec.conf.example
	test -e $(DESTDIR)$(SYSCONFDIR)/synexec/synexec.conf || \
	    install -m 644 conf.examples/synexec.conf \
	    $(DESTDIR)$(SYSCONFDIR)/synexec/synexec.conf
	install -m 644 man/synexec_master.1 man/synexec_plot.1 \
	    $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/synexec.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/synexec_slave.8 $(DESTDIR)$(MANDIR)/man8/
	sed -e 's|/usr/bin/synexec_slave|$(BINDIR_INST)/synexec_slave|' \
	    -e 's|/etc/synexec/synexec.conf|$(SYSCONFDIR)/synexec/synexec.conf|' \
	    contrib/systemd/synexec-slave.service \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/synexec-slave.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/synexec-slave.service

# Leaves SYSCONFDIR/synexec/synexec.conf: it may hold local changes.
uninstall:
	rm -f $(DESTDIR)$(BINDIR_INST)/synexec_master \
	    $(DESTDIR)$(BINDIR_INST)/synexec_slave \
	    $(DESTDIR)$(BINDIR_INST)/synexec_plot \
	    $(DESTDIR)$(SYSCONFDIR)/synexec/synexec.conf.example \
	    $(DESTDIR)$(MANDIR)/man1/synexec_master.1 \
	    $(DESTDIR)$(MANDIR)/man1/synexec_plot.1 \
	    $(DESTDIR)$(MANDIR)/man5/synexec.conf.5 \
	    $(DESTDIR)$(MANDIR)/man8/synexec_slave.8 \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/synexec-slave.service

clean:
	rm -rf build synexec_master synexec_slave

-include $(COMMON_OBJS:.o=.d) $(MASTER_OBJS:.o=.d) $(SLAVE_OBJS:.o=.d)

# libFuzzer targets (clang): the codec, and the frame handling of each side
# (tests/fuzz/fuzz_*_conn.c drive the real master or slave over loopback).
# `make fuzz` runs each for FUZZ_SECONDS; a crash leaves its input in
# build/fuzz/crash-*: copy it to tests/fuzz/regress/NAME/ and `make check`
# replays it for ever after (replay_NAME, built with the normal compiler).
FUZZ_SECONDS	?= 60
FUZZ_NAMES	:= proto master_conn slave_conn
FUZZ_TARGETS	:= $(FUZZ_NAMES:%=build/fuzz/fuzz_%)
FUZZ_CFLAGS	 = -g -O1 -fsanitize=fuzzer,address,undefined \
		   $(CPPFLAGS) -Imaster -Islave -Itests/fuzz $(PKG_CFLAGS)
FUZZ_MASTER_SRCS := tests/fuzz/fuzz_peer.c $(COMMON_SRCS) \
		   $(filter-out master/main.c,$(MASTER_SRCS))
FUZZ_SLAVE_SRCS  := tests/fuzz/fuzz_peer.c $(COMMON_SRCS) \
		   $(filter-out slave/main.c,$(SLAVE_SRCS))

build/fuzz/fuzz_proto: tests/fuzz/fuzz_proto.c common/proto.c | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^
build/fuzz/fuzz_master_conn: tests/fuzz/fuzz_master_conn.c $(FUZZ_MASTER_SRCS) \
    tests/fuzz/fuzz_peer.h | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)
build/fuzz/fuzz_slave_conn: tests/fuzz/fuzz_slave_conn.c $(FUZZ_SLAVE_SRCS) \
    tests/fuzz/fuzz_peer.h | fuzz-deps
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^) $(LDLIBS)

# The replays: every seed and regression input, in `make check` (SAN=1 too).
FUZZ_REPLAYS	:= $(FUZZ_NAMES:%=$(BUILD)/tests/replay_%)
UNIT_BINS	+= $(FUZZ_REPLAYS)
FUZZ_REPLAY_FLAGS = $(CPPFLAGS) -Imaster -Islave -Itests/fuzz $(CFLAGS) \
		   -DFUZZ_TOP='"$(CURDIR)"'
$(BUILD)/tests/replay_proto: tests/fuzz/replay.c tests/fuzz/fuzz_proto.c \
    $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_REPLAY_FLAGS) -DFUZZ_NAME='"proto"' -o $@ $^ $(LDFLAGS) \
	    $(LDLIBS)
$(BUILD)/tests/replay_master_conn: tests/fuzz/replay.c \
    tests/fuzz/fuzz_master_conn.c tests/fuzz/fuzz_peer.c $(COMMON_OBJS) \
    $(filter-out %/main.o,$(MASTER_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_REPLAY_FLAGS) -DFUZZ_NAME='"master_conn"' -o $@ $^ \
	    $(LDFLAGS) $(LDLIBS)
$(BUILD)/tests/replay_slave_conn: tests/fuzz/replay.c \
    tests/fuzz/fuzz_slave_conn.c tests/fuzz/fuzz_peer.c $(COMMON_OBJS) \
    $(filter-out %/main.o,$(SLAVE_OBJS))
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_REPLAY_FLAGS) -DFUZZ_NAME='"slave_conn"' -o $@ $^ \
	    $(LDFLAGS) $(LDLIBS)

.PHONY: fuzz fuzz-deps fuzz-if-clang
fuzz-deps:
	@tools/install-deps fuzz
# For `make check`: tests/integration/fuzz.sh runs them briefly, or skips.
fuzz-if-clang:
	@if command -v clang >/dev/null 2>&1; then \
	    $(MAKE) --no-print-directory $(FUZZ_TARGETS); \
	else echo "no clang: fuzz targets not built (tests/integration/fuzz.sh will SKIP)"; fi
fuzz: $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS); do \
	    name=$$(basename $$t | sed 's/^fuzz_//'); \
	    mkdir -p build/fuzz/corpus-$$name; \
	    echo "fuzzing $$name for $(FUZZ_SECONDS) s"; \
	    $$t -max_total_time=$(FUZZ_SECONDS) -max_len=70000 \
	        -artifact_prefix=build/fuzz/ \
	        build/fuzz/corpus-$$name tests/fuzz/corpus/$$name || exit 1; \
	done
