# btpair: a plain GNU Makefile.
#   make              build build/btpair
#   make check        unit tests (plain and under ASan+UBSan), then the VM suite
#   make check-unit   unit tests only
#   make check-vm     the real-kernel suite only (boots qemu)
#   make install      PREFIX, DESTDIR, BINDIR honoured
#   make bench        btpair against BlueZ's tools in the VM guest
#                     (bench/results.md; not part of check)

VERSION := 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=

CC ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wundef -Wstrict-prototypes \
	-Wmissing-prototypes -Wswitch-enum -Wformat=2 -Wshadow \
	-Wno-missing-field-initializers -fno-common -MMD -MP
CPPFLAGS += -D_GNU_SOURCE -DBTPAIR_VERSION='"$(VERSION)"' -I.
ifneq ($(CI),)
CFLAGS += -Werror
endif

BUILD ?= build

MGMT_SRC := mgmt/addr.c mgmt/wire.c mgmt/client.c mgmt/pair.c mgmt/eir.c \
	rfcomm/rfcomm.c rfcomm/sdp.c
CLI_SRC := cli/main.c cli/commands.c cli/output.c cli/common.c cli/trace.c cli/pin.c \
	cli/controller.c cli/pair.c cli/monitor.c cli/keystore.c \
	cli/keys.c cli/agent.c cli/rfcomm.c cli/scan.c
TESTS := addr wire client pair cli keystore sdp bridge eir

LIB_OBJ := $(MGMT_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
# Everything but main(): the unit tests link it to exercise the CLI helpers.
CLI_LIB_OBJ := $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))

CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check 2>/dev/null || echo -lcheck)

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all

.PHONY: all clean check check-unit check-unit-plain check-unit-san check-vm \
	demo install format bench

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

TEST_BINS := $(TESTS:%=$(BUILD)/tests/check_%)

# The far side of pairings in the VM suite.
$(BUILD)/tests/responder: $(BUILD)/tests/responder.o $(LIB_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

check: check-unit check-vm

check-unit: check-unit-plain check-unit-san

check-unit-plain: $(TEST_BINS) $(BUILD)/btpair
	BTPAIR=$(BUILD)/btpair tests/run-unit.sh $(TEST_BINS)
	BTPAIR=$(BUILD)/btpair tests/cli.sh

# The same tests, rebuilt with AddressSanitizer and UBSan in their own tree.
check-unit-san:
	$(MAKE) BUILD=build-san CFLAGS="-O1 -g $(SAN_FLAGS)" \
		LDFLAGS="$(SAN_FLAGS)" check-unit-plain

check-vm: $(BUILD)/btpair $(BUILD)/tests/responder
	tests/vm/run-all.sh

demo: $(BUILD)/btpair $(BUILD)/tests/responder
	tests/vm/demo.sh

bench: $(BUILD)/btpair $(BUILD)/tests/responder
	bench/run.sh

install: $(BUILD)/btpair
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/btpair $(DESTDIR)$(BINDIR)/btpair

format:
	clang-format -i mgmt/*.[ch] cli/*.[ch] tests/*.[ch]

clean:
	rm -rf build build-san

.SECONDARY:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
