# bench/bench.mk - the benchmark tools (included by the top Makefile).
#
# They are built with plain optimisation whatever SAN says: they are the
# measuring instruments, not the code under test.  The probe is static so
# that its exec costs no dynamic loading.  swarm links the protocol code of
# common/ (compiled again without sanitizers, in an archive so that only the
# modules it uses are linked).

BENCH_OUT	 = build/bench
BENCH_CFLAGS	 = -std=c11 -O2 -g $(WARN) -D_GNU_SOURCE
BENCH_COMMON_OBJS := $(COMMON_SRCS:%.c=$(BENCH_OUT)/%.o)
BENCH_BINS	 = $(BENCH_OUT)/probe $(BENCH_OUT)/floor $(BENCH_OUT)/wall \
		   $(BENCH_OUT)/tcpcopy $(BENCH_OUT)/idle $(BENCH_OUT)/swarm

$(BENCH_OUT)/probe: bench/probe.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -static -o $@ $<

$(BENCH_OUT)/floor $(BENCH_OUT)/wall $(BENCH_OUT)/tcpcopy: $(BENCH_OUT)/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -o $@ $<

$(BENCH_OUT)/idle: bench/idle.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) $(PKG_CFLAGS) -o $@ $< $(LDLIBS)

$(BENCH_OUT)/common/%.o: common/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BENCH_OUT)/libcommon.a: $(BENCH_COMMON_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BENCH_OUT)/swarm: bench/swarm.c $(BENCH_OUT)/libcommon.a | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(BENCH_CFLAGS) $(PKG_CFLAGS) -o $@ $< \
	    $(BENCH_OUT)/libcommon.a $(LDLIBS)

-include $(BENCH_COMMON_OBJS:.o=.d)
