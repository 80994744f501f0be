# btpair: a plain GNU Makefile.
#   make              build build/btpair
#   make check        the format check, unit tests (plain, under ASan+UBSan,
#                     under valgrind), then the VM suite
#   make check-unit   unit tests only
#   make check-vm     the real-kernel suite only (boots qemu)
#   make check-dist   man page, completion, systemd units, install tree, .deb
#   make check-cross  arm64 and armhf builds, unit tests under qemu-user
#   make check-vm-san some VM scenarios again with the ASan+UBSan btpair
#   make check-deps   tests/deps.sh with a broken apt source and a missing
#                     package (root, Debian's archive reachable)
#   make format       clang-format every C file as .clang-format says
#   make check-format list the C files make format would change, and fail
#   make fuzz         each libFuzzer target for FUZZ_SECONDS (clang)
#   make fuzz-long    each target to 10 M executions or an hour, then coverage
#   make install      PREFIX, DESTDIR, BINDIR, MANDIR, DOCDIR honoured
#   make deb          ../btpair_VERSION_ARCH.deb (dpkg-buildpackage)
#   make CROSS_COMPILE=aarch64-linux-gnu-   cross build in build-aarch64-linux-gnu
#   make bench        btpair against BlueZ's tools in the VM guest
#                     (bench/results.md; not part of check)

VERSION := 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/btpair
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= $(PREFIX)/etc
DESTDIR ?=

CROSS_COMPILE ?=
ifneq ($(CROSS_COMPILE),)
ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
BUILD ?= build-$(patsubst %-,%,$(CROSS_COMPILE))
endif
CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
# override: a CFLAGS given on the command line (the sanitized build, a
# packager's flags) replaces the optimisation, never the language and the
# warnings.
override CFLAGS += -std=gnu11 -Wall -Wextra -Wundef -Wstrict-prototypes \
	-Wmissing-prototypes -Wswitch-enum -Wformat=2 -Wshadow \
	-Wno-missing-field-initializers -fno-common -MMD -MP
CPPFLAGS += -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -DBTPAIR_VERSION='"$(VERSION)"' -I.
# The progress line's timer thread (libc itself on glibc >= 2.34).
LDLIBS += -pthread
ifneq ($(CI),)
override CFLAGS += -Werror
endif

BUILD ?= build
# make deb: dpkg-buildpackage in a copy of the tree under $(BUILD)/deb.
DEB := $(BUILD)/deb/btpair_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null).deb

MGMT_SRC := mgmt/addr.c mgmt/wire.c mgmt/client.c mgmt/pair.c mgmt/eir.c \
	mgmt/monitor.c \
	rfcomm/rfcomm.c rfcomm/sdp.c serial/conf.c keystore/keystore.c \
	pin/file.c lib/time.c lib/file.c lib/buf.c
# The pairing policy: the one place a PIN, confirmation or passkey answer
# is chosen and sent.
MGMT_SRC += mgmt/policy.c
CLI_SRC := cli/main.c cli/commands.c cli/output.c cli/common.c cli/trace.c cli/pin.c \
	cli/controller.c cli/pair.c cli/monitor.c \
	cli/keys.c cli/agent.c cli/rfcomm.c cli/scan.c cli/doctor.c cli/probe.c \
	cli/status.c cli/serial.c cli/progress.c
TESTS := addr wire client pair cli cli_pair keystore sdp bridge eir doctor serial time file
TESTS += policy pin_file

LIB_OBJ := $(MGMT_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
# Everything but main(): the unit tests link it to exercise the CLI helpers.
CLI_LIB_OBJ := $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))

CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

.PHONY: all clean check check-unit check-unit-plain check-unit-san check-vm \
	check-keystore-crash \
	check-valgrind check-vm-san check-cross check-dist check-deps deb \
	demo install format check-format fuzz fuzz-build fuzz-bins bench \
	fuzz-cov-build fuzz-long

all: $(BUILD)/btpair

$(BUILD)/btpair: $(LIB_OBJ) $(CLI_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CHECK_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/check_%: $(BUILD)/tests/check_%.o $(BUILD)/tests/fake_kernel.o \
		$(LIB_OBJ) $(CLI_LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) -lpthread $(LDLIBS)

# The suites of lib/, keystore/ and rfcomm/ link only their folder and what
# it stands on: a dependency on mgmt/client.c or cli/ fails to link.
$(BUILD)/tests/check_time: $(BUILD)/lib/time.o
$(BUILD)/tests/check_file: $(BUILD)/lib/file.o
$(BUILD)/tests/check_keystore: $(BUILD)/keystore/keystore.o \
	$(BUILD)/mgmt/addr.o $(BUILD)/lib/file.o $(BUILD)/lib/buf.o
$(BUILD)/tests/check_sdp: $(BUILD)/rfcomm/sdp.o $(BUILD)/lib/time.o \
	$(BUILD)/lib/file.o
$(BUILD)/tests/check_bridge: $(BUILD)/rfcomm/rfcomm.o $(BUILD)/lib/time.o \
	$(BUILD)/lib/file.o
$(BUILD)/tests/check_pin_file: $(BUILD)/pin/file.o $(BUILD)/mgmt/addr.o \
	$(BUILD)/lib/file.o
$(BUILD)/tests/check_time $(BUILD)/tests/check_file \
		$(BUILD)/tests/check_keystore \
		$(BUILD)/tests/check_sdp $(BUILD)/tests/check_bridge \
		$(BUILD)/tests/check_pin_file: \
		$(BUILD)/tests/%: $(BUILD)/tests/%.o
	$(CC) $(CFLAGS) $(LDFLAGS) $(TEST_LDFLAGS) -o $@ $^ $(CHECK_LIBS) \
		-lpthread $(LDLIBS)
# Its tests see which directories the store fsyncs, and take O_TMPFILE and
# renameat2's flags away.
$(BUILD)/tests/check_keystore: TEST_LDFLAGS := -Wl,--wrap=fsync \
	-Wl,--wrap=openat64 -Wl,--wrap=renameat2

TEST_BINS := $(TESTS:%=$(BUILD)/tests/check_%)

# The key store under SIGKILL and under concurrent writers: CRASH_KILLS
# random kills of a child saving and removing keys, CRASH_OPS operations
# each of a saver, a remover and a foreign writer at once. make check-unit
# runs a few seconds' worth; 10000 each is the full run. The store is made
# in CRASH_TMPDIR: tmpfs by default, where no fsync slows the operations
# (a kill lands anywhere in them, and the run takes as long every time).
CRASH_KILLS ?= 1000
CRASH_OPS ?= 1000
CRASH_TMPDIR ?= $(firstword $(wildcard /dev/shm) /tmp)
$(BUILD)/tests/keystore_crash: $(BUILD)/tests/keystore_crash.o \
		$(BUILD)/keystore/keystore.o $(BUILD)/mgmt/addr.o \
		$(BUILD)/lib/file.o $(BUILD)/lib/buf.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The far side of pairings in the VM suite.
$(BUILD)/tests/responder: $(BUILD)/tests/responder.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# A faster clock for one process (LD_PRELOAD), for VM scenarios that need
# hours of btpair's time in minutes.
$(BUILD)/tests/fastclock.so: tests/vm/fastclock.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -shared $(LDFLAGS) -o $@ $< -ldl

check: check-format check-unit check-cross check-dist check-vm check-vm-san \
	check-deps

check-unit: check-unit-plain check-unit-san check-valgrind

check-unit-plain: $(TEST_BINS) $(BUILD)/btpair check-keystore-crash
	BTPAIR=$(BUILD)/btpair tests/run-unit.sh $(TEST_BINS)
	BTPAIR=$(BUILD)/btpair tests/cli.sh

check-keystore-crash: $(BUILD)/tests/keystore_crash
	TMPDIR=$(CRASH_TMPDIR) $(BUILD)/tests/keystore_crash $(CRASH_KILLS) \
		$(CRASH_OPS)

# The same tests under valgrind's memcheck: errors and definite leaks fail.
check-valgrind: $(TEST_BINS) $(BUILD)/btpair
	tests/valgrind.sh $(BUILD)/btpair $(TEST_BINS)

# The same tests, rebuilt with AddressSanitizer and UBSan in their own tree.
check-unit-san:
	$(MAKE) BUILD=build-san CFLAGS="-O1 -g $(SAN_FLAGS)" \
		LDFLAGS="$(SAN_FLAGS)" check-unit-plain

# The set-up script itself: an index that cannot be fetched is a warning, a
# package nobody has is an error naming it.
check-deps:
	tests/deps-check.sh

# arm64 and armhf builds; their unit tests run under qemu-user.
check-cross:
	tests/cross.sh

# The VM suite on Debian 12's two kernel lines, 6.1 and 6.12; KERNEL=6.1 or
# KERNEL=6.12 runs it on one (check-vm-san too; make demo boots one, 6.1 by
# default).
KERNEL ?= all
export KERNEL

check-vm: $(BUILD)/btpair $(BUILD)/tests/responder $(BUILD)/tests/fastclock.so \
		$(DEB)
	tests/vm/run-all.sh

# libFuzzer targets (tests/fuzz/fuzz_NAME.c), built with clang in their own
# tree, everything instrumented for coverage, ASan and UBSan.
FUZZ_TARGETS := mgmt session eir sdp sdp_client keystore cli doctor
FUZZ_SECONDS ?= 30
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz_%)

FUZZ_HELPERS := $(BUILD)/tests/fuzz/tmpdir.o $(BUILD)/tests/fuzz/feeder.o \
	$(BUILD)/tests/fuzz/json_check.o

$(BUILD)/tests/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(FUZZ_HELPERS) \
		$(LIB_OBJ) $(CLI_LIB_OBJ)
	$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $^ \
		$(LDLIBS)

# Its commands get a socketpair for the mgmt socket.
$(BUILD)/tests/fuzz/fuzz_session: FUZZ_LDFLAGS := \
	-Wl,--wrap=mgmt_open_control_socket -Wl,--wrap=time_wait_fd
# The feeder sees the client wait, to send replies after their commands.
$(BUILD)/tests/fuzz/fuzz_mgmt: FUZZ_LDFLAGS := -Wl,--wrap=time_wait_fd

fuzz-bins: $(FUZZ_BINS)

fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=clang LDFLAGS="$(FUZZ_SAN)" \
		CFLAGS="-O1 -g -std=gnu11 -Wall -Wextra -MMD -MP \
		-Wno-missing-field-initializers $(if $(CI),-Werror) \
		$(FUZZ_SAN) -fsanitize=fuzzer-no-link" \
		fuzz-bins

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh build-fuzz/tests/fuzz \
		$(FUZZ_TARGETS)

# The same targets built for coverage (clang's source-based coverage, no
# sanitizer), to replay corpora and measure which lines they reach.
fuzz-cov-build:
	$(MAKE) BUILD=build-fuzzcov CC=clang \
		LDFLAGS="-fprofile-instr-generate -fcoverage-mapping" \
		CFLAGS="-O1 -g -std=gnu11 -MMD -MP -fprofile-instr-generate \
		-fcoverage-mapping -fsanitize=fuzzer-no-link" fuzz-bins

# Not in CI: every target to FUZZ_LONG_RUNS executions or FUZZ_LONG_SECONDS
# each, whichever comes first, then the line coverage of the remote-facing
# parsers over what the runs kept (tests/fuzz/README.md).
FUZZ_LONG_RUNS ?= 10000000
FUZZ_LONG_SECONDS ?= 3600
fuzz-long: fuzz-build fuzz-cov-build
	FUZZ_RUNS=$(FUZZ_LONG_RUNS) FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) \
		tests/fuzz/long.sh $(FUZZ_TARGETS)

# The pairing, agent, RFCOMM, SDP and key-store scenarios again, with the
# ASan+UBSan btpair: a sanitizer report fails the scenario.
VM_SAN_SCENARIOS := 01-legacy-pin 12-agent 15-rfcomm 16-rfcomm-sdp-bind \
	18-keystore-robust

check-vm-san: $(BUILD)/tests/responder
	$(MAKE) BUILD=build-san CFLAGS="-O1 -g $(SAN_FLAGS)" \
		LDFLAGS="$(SAN_FLAGS)" build-san/btpair
	BTPAIR=build-san/btpair tests/vm/run-all.sh \
		$(VM_SAN_SCENARIOS:%=tests/vm/scenarios/%.sh)

demo: $(BUILD)/btpair $(BUILD)/tests/responder
	tests/vm/demo.sh

# The floor under `connect --pty` upward: a pty copied with no btpair.
$(BUILD)/bench/ptycopy: $(BUILD)/bench/ptycopy.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^

bench: $(BUILD)/btpair $(BUILD)/tests/responder $(BUILD)/bench/ptycopy $(DEB)
	bench/run.sh

# The units and the agent's settings name the installed paths; settings
# already made in agent.conf are never overwritten.
SUBST := sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	-e '/^@HARDENING@$$/{r dist/systemd/hardening.conf' -e 'd;}'
UNITS := btpair-keys.service btpair-agent@.service btpair-serial.service \
	btpair-serial-wait.service

install: $(BUILD)/btpair
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/btpair $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/btpair $(DESTDIR)$(BINDIR)/btpair
	install -m 0644 doc/btpair.1 $(DESTDIR)$(MANDIR)/man1/btpair.1
	# The --json events' reference, which the man page names.
	install -m 0644 doc/json.md $(DESTDIR)$(DOCDIR)/json.md
	install -m 0644 dist/bash-completion/btpair \
		$(DESTDIR)$(BASHCOMPDIR)/btpair
	for u in $(UNITS); do \
		$(SUBST) dist/systemd/$$u.in >$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit 1; \
	done
	test -e $(DESTDIR)$(SYSCONFDIR)/btpair/agent.conf || \
		{ $(SUBST) dist/agent.conf.in \
			>$(DESTDIR)$(SYSCONFDIR)/btpair/agent.conf && \
		chmod 0644 $(DESTDIR)$(SYSCONFDIR)/btpair/agent.conf; }

deb: $(DEB)

$(DEB): $(MGMT_SRC) $(CLI_SRC) $(wildcard */*.h) Makefile doc/btpair.1 doc/json.md \
		$(wildcard dist/* dist/*/* debian/* debian/*/*)
	BUILD=$(BUILD) tests/deb.sh

# Man page, completion, units, install tree and the .deb, checked.
check-dist: $(BUILD)/btpair $(DEB)
	BTPAIR=$(BUILD)/btpair DEB=$(DEB) tests/dist.sh

# The C style (.clang-format, clang-format 14 as Debian 12 ships it), over
# every C file of the tree.
format:
	BUILD=$(BUILD) tests/format.sh

check-format:
	BUILD=$(BUILD) tests/format.sh --check

clean:
	rm -rf build build-san build-fuzz build-fuzzcov build-*-linux-gnu*

.SECONDARY:

-include $(shell find $(BUILD) -path $(BUILD)/deb -prune -o -type f -name '*.d' -print 2>/dev/null)
