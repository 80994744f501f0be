/*
 * What `btpair doctor` parses from the kernel and from files: the monitor
 * channel's socket messages (played on a socketpair), rfkill events and
 * sysfs, debugfs's key list, the agent's settings, PIN files, /proc, and
 * Read Management Version Information's reply. Malformed, truncated and
 * unexpected input included.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/probe.h"
#include "mgmt/addr.h"
#include "mgmt/monitor.h"
#include "mgmt/wire.h"

/* ---- The monitor channel ------------------------------------------- */

/* HCI_MON_CTRL_OPEN as net/bluetooth/hci_sock.c builds it. */
static size_t ctrl_open(uint8_t *out, uint16_t index, uint32_t cookie,
			uint16_t format, uint32_t flags, const char *comm)
{
	uint8_t *p = out + MON_HDR_SIZE;

	mgmt_put_le16(out, MON_OP_CTRL_OPEN);
	mgmt_put_le16(out + 2, index);
	mgmt_put_le32(p, cookie);
	mgmt_put_le16(p + 4, format);
	p[6] = 1;		  /* version */
	mgmt_put_le16(p + 7, 22); /* revision */
	mgmt_put_le32(p + 9, flags);
	p[13] = MON_COMM_LEN;
	memset(p + 14, 0, MON_COMM_LEN);
	memcpy(p + 14, comm, strnlen(comm, MON_COMM_LEN));
	mgmt_put_le16(out + 4, 14 + MON_COMM_LEN);
	return MON_HDR_SIZE + 14 + MON_COMM_LEN;
}

static size_t ctrl_close(uint8_t *out, uint32_t cookie)
{
	mgmt_put_le16(out, MON_OP_CTRL_CLOSE);
	mgmt_put_le16(out + 2, 0xFFFF);
	mgmt_put_le16(out + 4, 4);
	mgmt_put_le32(out + MON_HDR_SIZE, cookie);
	return MON_HDR_SIZE + 4;
}

START_TEST(test_mon_ctrl_open)
{
	uint8_t msg[64];
	struct mon_socket s;
	size_t len = ctrl_open(msg, 0xFFFF, 7, MON_FORMAT_CONTROL, 1,
			       "bluetoothd");

	ck_assert_int_eq(mon_decode(msg, len, &s), 0);
	ck_assert_uint_eq(s.cookie, 7);
	ck_assert_uint_eq(s.format, MON_FORMAT_CONTROL);
	ck_assert_uint_eq(s.index, 0xFFFF);
	ck_assert_uint_eq(s.flags, 1);
	ck_assert_str_eq(s.comm, "bluetoothd");
}
END_TEST

START_TEST(test_mon_comm_full_length_and_hostile)
{
	uint8_t msg[64];
	struct mon_socket s;
	size_t len;

	/* Sixteen bytes and no NUL: all kept, terminated. */
	len = ctrl_open(msg, 0, 1, MON_FORMAT_CONTROL, 0, "0123456789abcdef");
	ck_assert_int_eq(mon_decode(msg, len, &s), 0);
	ck_assert_str_eq(s.comm, "0123456789abcdef");
	ck_assert_uint_eq(s.index, 0);
	/* Control bytes and bytes above ASCII become '?'. */
	len = ctrl_open(msg, 0, 1, MON_FORMAT_CONTROL, 0, "a\x1b[2J\xff\xfe");
	ck_assert_int_eq(mon_decode(msg, len, &s), 0);
	ck_assert_str_eq(s.comm, "a?[2J??");
}
END_TEST

START_TEST(test_mon_close_and_others)
{
	uint8_t msg[64];
	struct mon_socket s;
	size_t len = ctrl_close(msg, 0x01020304);

	ck_assert_int_eq(mon_decode(msg, len, &s), 1);
	ck_assert_uint_eq(s.cookie, 0x01020304);
	/* HCI_MON_NEW_INDEX and the like: not about sockets. */
	mgmt_put_le16(msg, 0);
	ck_assert_int_eq(mon_decode(msg, len, &s), -ENOENT);
	mgmt_put_le16(msg, 12); /* a system note */
	ck_assert_int_eq(mon_decode(msg, len, &s), -ENOENT);
}
END_TEST

START_TEST(test_mon_truncated)
{
	uint8_t msg[64];
	struct mon_socket s;
	size_t len = ctrl_open(msg, 0, 1, MON_FORMAT_CONTROL, 0, "btmgmt");

	/* Shorter than a header. */
	for (size_t n = 0; n < MON_HDR_SIZE; n++)
		ck_assert_int_eq(mon_decode(msg, n, &s), -EBADMSG);
	/* The header claims more than arrived. */
	for (size_t n = MON_HDR_SIZE; n < len; n++)
		ck_assert_int_eq(mon_decode(msg, n, &s), -EBADMSG);
	/* A consistent header, but too short for the fixed fields. */
	for (uint16_t plen = 0; plen < 14; plen++) {
		mgmt_put_le16(msg + 4, plen);
		ck_assert_int_eq(mon_decode(msg, MON_HDR_SIZE + plen, &s),
				 -EBADMSG);
	}
	/* A name length beyond the message. */
	len = ctrl_open(msg, 0, 1, MON_FORMAT_CONTROL, 0, "btmgmt");
	msg[MON_HDR_SIZE + 13] = 17;
	ck_assert_int_eq(mon_decode(msg, len, &s), -EBADMSG);
	/* A name length shorter than the kernel's: what it says. */
	msg[MON_HDR_SIZE + 13] = 3;
	ck_assert_int_eq(mon_decode(msg, len, &s), 0);
	ck_assert_str_eq(s.comm, "btm");
	/* A close without its cookie. */
	len = ctrl_close(msg, 9);
	mgmt_put_le16(msg + 4, 3);
	ck_assert_int_eq(mon_decode(msg, len - 1, &s), -EBADMSG);
}
END_TEST

START_TEST(test_mon_collect_replay)
{
	uint8_t msg[64];
	struct mon_socket socks[4];
	size_t count = 99, bad = 99;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	/* What a fresh monitor socket holds: controllers, then sockets. */
	mgmt_put_le16(msg, 0); /* HCI_MON_NEW_INDEX, not parsed */
	mgmt_put_le16(msg + 2, 0);
	mgmt_put_le16(msg + 4, 16);
	memset(msg + 6, 0, 16);
	ck_assert_int_eq(write(sv[1], msg, 22), 22);
	ck_assert_int_eq(write(sv[1], msg,
			       ctrl_open(msg, 0xFFFF, 1, MON_FORMAT_CONTROL, 1,
					 "bluetoothd")),
			 36);
	ck_assert_int_eq(write(sv[1], msg,
			       ctrl_open(msg, 0xFFFF, 2, MON_FORMAT_CONTROL, 1,
					 "btpair")),
			 36);
	ck_assert_int_eq(write(sv[1], "\x0e\x00\xff", 3), 3); /* truncated */
	ck_assert_int_eq(write(sv[1], msg, ctrl_close(msg, 2)), 10);
	ck_assert_int_eq(write(sv[1], msg,
			       ctrl_open(msg, 1, 3, MON_FORMAT_USER, 0,
					 "hcitool")),
			 36);
	ck_assert_int_eq(write(sv[1], msg,
			       ctrl_open(msg, 0xFFFF, 4, MON_FORMAT_RAW, 0,
					 "hciconfig")),
			 36);
	ck_assert_int_eq(write(sv[1], msg,
			       ctrl_open(msg, 0xFFFF, 5, MON_FORMAT_CONTROL, 0,
					 "btmgmt")),
			 36);
	ck_assert_int_eq(write(sv[1], msg,
			       ctrl_open(msg, 0xFFFF, 6, MON_FORMAT_CONTROL, 0,
					 "one too many")),
			 36);
	ck_assert_int_eq(mon_collect(sv[0], socks, 4, &count, &bad), 0);
	ck_assert_uint_eq(bad, 1);
	ck_assert_uint_eq(count, 4); /* at most max, the rest dropped */
	ck_assert_str_eq(socks[0].comm, "bluetoothd");
	ck_assert_str_eq(socks[1].comm, "hcitool");
	ck_assert_uint_eq(socks[1].format, MON_FORMAT_USER);
	ck_assert_uint_eq(socks[1].index, 1);
	ck_assert_str_eq(socks[2].comm, "hciconfig");
	ck_assert_str_eq(socks[3].comm, "btmgmt");
	/* Nothing more queued: returns at once, empty. */
	ck_assert_int_eq(mon_collect(sv[0], socks, 4, &count, &bad), 0);
	ck_assert_uint_eq(count, 0);
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* ---- Files in a scratch directory ----------------------------------- */

static char dir[64];

static void setup_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/btpair-doctor-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void put_file(const char *rel, const void *data, size_t len)
{
	char path[256], sub[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	/* mkdir -p of its directory */
	for (char *p = strchr(path + strlen(dir) + 1, '/'); p;
	     p = strchr(p + 1, '/')) {
		snprintf(sub, sizeof(sub), "%.*s", (int)(p - path), path);
		mkdir(sub, 0700);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void rfkill_event(uint8_t out[8], uint32_t idx, uint8_t type, uint8_t op,
			 uint8_t soft, uint8_t hard)
{
	memcpy(out, &idx, 4);
	out[4] = type;
	out[5] = op;
	out[6] = soft;
	out[7] = hard;
}

START_TEST(test_rfkill_decode)
{
	uint8_t ev[9];
	struct probe_rfkill r;

	rfkill_event(ev, 3, PROBE_RFKILL_TYPE_BLUETOOTH, PROBE_RFKILL_OP_ADD, 1,
		     0);
	ev[8] = 0; /* a later kernel's hard block reasons */
	ck_assert_int_eq(probe_rfkill_decode(ev, 9, &r), 0);
	ck_assert_uint_eq(r.idx, 3);
	ck_assert_uint_eq(r.type, PROBE_RFKILL_TYPE_BLUETOOTH);
	ck_assert(r.soft);
	ck_assert(!r.hard);
	for (size_t n = 0; n < 8; n++)
		ck_assert_int_eq(probe_rfkill_decode(ev, n, &r), -EBADMSG);
	ev[6] = 2; /* a block state is 0 or 1 */
	ck_assert_int_eq(probe_rfkill_decode(ev, 8, &r), -EBADMSG);
}
END_TEST

START_TEST(test_rfkill_read_events)
{
	uint8_t evs[6 * 8 + 3];
	struct probe_rfkill r[2];
	char path[128];
	size_t count;

	/* As /dev/rfkill tells a new reader: each switch added, then
	 * changes; one deleted; one too many for the array; a torn tail. */
	rfkill_event(evs, 0, 1, PROBE_RFKILL_OP_ADD, 0, 0);
	rfkill_event(evs + 8, 1, 2, PROBE_RFKILL_OP_ADD, 0, 0);
	rfkill_event(evs + 16, 1, 2, PROBE_RFKILL_OP_CHANGE, 1, 1);
	rfkill_event(evs + 24, 0, 1, PROBE_RFKILL_OP_DEL, 0, 0);
	rfkill_event(evs + 32, 5, 2, PROBE_RFKILL_OP_ADD, 1, 0);
	rfkill_event(evs + 40, 6, 2, PROBE_RFKILL_OP_ADD, 0, 0);
	memset(evs + 48, 0xff, 3);
	put_file("rfkill", evs, sizeof(evs));
	snprintf(path, sizeof(path), "%s/rfkill", dir);
	ck_assert_int_eq(probe_rfkill_read(path, r, 2, &count), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_uint_eq(r[0].idx, 1);
	ck_assert(r[0].soft && r[0].hard);
	ck_assert_uint_eq(r[1].idx, 5);
	ck_assert(r[1].soft && !r[1].hard);
	snprintf(path, sizeof(path), "%s/none", dir);
	ck_assert_int_eq(probe_rfkill_read(path, r, 2, &count), -ENOENT);
}
END_TEST

START_TEST(test_rfkill_sysfs)
{
	struct probe_rfkill r;
	char bt[128], rf[128];
	uint32_t idx = 0;

	/* /sys/class/bluetooth/hci0/rfkill7, /sys/class/rfkill/rfkill7 */
	put_file("bt/hci0/rfkill7/soft", "1\n", 2);
	put_file("bt/hci1/name", "x", 1);
	put_file("rf/rfkill7/soft", "1\n", 2);
	put_file("rf/rfkill7/hard", "0\n", 2);
	put_file("rf/rfkill8/soft", "yes\n", 4);
	put_file("rf/rfkill8/hard", "0\n", 2);
	snprintf(bt, sizeof(bt), "%s/bt", dir);
	snprintf(rf, sizeof(rf), "%s/rf", dir);
	ck_assert_int_eq(probe_rfkill_of(bt, 0, &idx), 0);
	ck_assert_uint_eq(idx, 7);
	ck_assert_int_eq(probe_rfkill_of(bt, 1, &idx), -ENOENT);
	ck_assert_int_eq(probe_rfkill_of(bt, 2, &idx), -ENOENT);
	ck_assert_int_eq(probe_rfkill_sysfs(rf, 7, &r), 0);
	ck_assert(r.soft && !r.hard);
	ck_assert_int_eq(probe_rfkill_sysfs(rf, 8, &r), -EBADMSG);
	ck_assert_int_eq(probe_rfkill_sysfs(rf, 9, &r), -ENOENT);
}
END_TEST

/* hciN with switch rfkillIDX in lbt/ and lrf/, its states as sysfs
 * shows them (soft, hard: "0\n", "1\n" or whatever a test needs). */
static void put_switch(unsigned hci, unsigned idx, const char *soft,
		       const char *hard)
{
	char rel[64];

	snprintf(rel, sizeof(rel), "lbt/hci%u/rfkill%u/soft", hci, idx);
	put_file(rel, soft, strlen(soft));
	snprintf(rel, sizeof(rel), "lrf/rfkill%u/soft", idx);
	put_file(rel, soft, strlen(soft));
	snprintf(rel, sizeof(rel), "lrf/rfkill%u/hard", idx);
	put_file(rel, hard, strlen(hard));
}

/* setup's rfkill step: a soft block lifted through the device (a file
 * here, which keeps what was written), a hard one never touched. */
START_TEST(test_rfkill_lift)
{
	enum probe_rfkill_lift what;
	char bt[128], rf[128], dev[160], none[160];
	uint8_t written[16];
	uint32_t idx = 0;
	int fd;
	ssize_t n;

	put_switch(0, 3, "1\n", "0\n");
	put_switch(1, 4, "0\n", "0\n");
	put_switch(2, 5, "1\n", "1\n");
	put_file("lbt/hci3/name", "x", 1);
	put_switch(4, 6, "maybe\n", "0\n");
	put_file("ldev", "", 0);
	snprintf(bt, sizeof(bt), "%s/lbt", dir);
	snprintf(rf, sizeof(rf), "%s/lrf", dir);
	snprintf(dev, sizeof(dev), "%s/ldev", dir);
	snprintf(none, sizeof(none), "%s/no/such/rfkill", dir);

	/* Not blocked: nothing written. */
	ck_assert_int_eq(probe_rfkill_lift(bt, rf, dev, 1, &idx, &what), 0);
	ck_assert_int_eq(what, PROBE_RFKILL_CLEAR);
	ck_assert_uint_eq(idx, 4);
	/* Hard-blocked (and soft): left alone, nothing written. */
	ck_assert_int_eq(probe_rfkill_lift(bt, rf, dev, 2, &idx, &what), 0);
	ck_assert_int_eq(what, PROBE_RFKILL_HARD);
	ck_assert_uint_eq(idx, 5);
	/* No switch at all. */
	ck_assert_int_eq(probe_rfkill_lift(bt, rf, dev, 3, &idx, &what), 0);
	ck_assert_int_eq(what, PROBE_RFKILL_NO_SWITCH);
	/* A state that is neither 0 nor 1: an error, nothing written. */
	what = PROBE_RFKILL_NO_SWITCH;
	ck_assert_int_eq(probe_rfkill_lift(bt, rf, dev, 4, &idx, &what),
			 -EBADMSG);
	ck_assert_int_eq(what, PROBE_RFKILL_NO_SWITCH);
	fd = open(dev, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, written, sizeof(written)), 0);
	close(fd);

	/* Soft-blocked: one RFKILL_OP_CHANGE for switch 3, soft 0. */
	ck_assert_int_eq(probe_rfkill_lift(bt, rf, dev, 0, &idx, &what), 0);
	ck_assert_int_eq(what, PROBE_RFKILL_LIFTED);
	ck_assert_uint_eq(idx, 3);
	fd = open(dev, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, written, sizeof(written));
	close(fd);
	ck_assert_int_eq(n, PROBE_RFKILL_EVENT_SIZE);
	ck_assert_uint_eq(written[0], 3);
	ck_assert_uint_eq(written[1] | written[2] | written[3], 0);
	ck_assert_uint_eq(written[4], PROBE_RFKILL_TYPE_BLUETOOTH);
	ck_assert_uint_eq(written[5], PROBE_RFKILL_OP_CHANGE);
	ck_assert_uint_eq(written[6], 0);

	/* Soft-blocked and no way to lift it: the error, and what it is. */
	ck_assert_int_eq(probe_rfkill_lift(bt, rf, none, 0, &idx, &what),
			 -ENOENT);
	ck_assert_int_eq(what, PROBE_RFKILL_SOFT);
}
END_TEST

START_TEST(test_kernel_keys)
{
	/* debugfs's link_keys: address, type, key, PIN length. */
	const char *text =
		"00:AA:01:01:00:01 0 00112233445566778899aabbccddeeff 4\n"
		"98:D3:31:F5:1A:2B 4 ffeeddccbbaa99887766554433221100 0\n";
	bdaddr_t a[4], want;
	size_t count;

	ck_assert_int_eq(probe_kernel_keys_parse(text, strlen(text), a, 4,
						 &count),
			 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &want), 0);
	ck_assert(bt_addr_equal(&a[1], &want));
	ck_assert_int_eq(probe_kernel_keys_parse("", 0, a, 4, &count), 0);
	ck_assert_uint_eq(count, 0);
	/* At most max. */
	ck_assert_int_eq(probe_kernel_keys_parse(text, strlen(text), a, 1,
						 &count),
			 0);
	ck_assert_uint_eq(count, 1);
	/* A torn line, or one that is not an address. */
	ck_assert_int_eq(probe_kernel_keys_parse(text, 10, a, 4, &count),
			 -EBADMSG);
	ck_assert_int_eq(probe_kernel_keys_parse("00:AA:01:01:00:0X 0 00 4\n",
						 25, a, 4, &count),
			 -EBADMSG);
	ck_assert_int_eq(probe_kernel_keys_parse("00:AA:01:01:00:01\n", 18, a,
						 4, &count),
			 -EBADMSG);
}
END_TEST

START_TEST(test_kernel_keys_file)
{
	const char *text =
		"00:AA:01:01:00:01 0 00112233445566778899aabbccddeeff 4\n";
	bdaddr_t a[2];
	char path[128];
	size_t count;

	put_file("debug/hci3/link_keys", text, strlen(text));
	snprintf(path, sizeof(path), "%s/debug", dir);
	ck_assert_int_eq(probe_kernel_keys(path, 3, a, 2, &count), 0);
	ck_assert_uint_eq(count, 1);
	ck_assert_int_eq(probe_kernel_keys(path, 0, a, 2, &count), -ENOENT);
}
END_TEST

START_TEST(test_env_value)
{
	const char *text = "# PIN_FILE=/not/this\n"
			   "PIN_FILE=/etc/btpair/first\n"
			   "  ALLOW=--allow 98:D3:31:F5:1A:2B  \n"
			   "PIN_FILE_OLD=/no\n"
			   "PIN_FILE=\"/etc/btpair/pins\"\n"
			   "QUOTED='a b'\n"
			   "EMPTY=\n";
	char out[64], small[4];

	ck_assert_int_eq(probe_env_value(text, strlen(text), "PIN_FILE", out,
					 sizeof(out)),
			 0);
	ck_assert_str_eq(out, "/etc/btpair/pins"); /* the last one wins */
	ck_assert_int_eq(probe_env_value(text, strlen(text), "ALLOW", out,
					 sizeof(out)),
			 0);
	ck_assert_str_eq(out, "--allow 98:D3:31:F5:1A:2B");
	ck_assert_int_eq(probe_env_value(text, strlen(text), "QUOTED", out,
					 sizeof(out)),
			 0);
	ck_assert_str_eq(out, "a b");
	ck_assert_int_eq(probe_env_value(text, strlen(text), "EMPTY", out,
					 sizeof(out)),
			 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(probe_env_value(text, strlen(text), "NONE", out,
					 sizeof(out)),
			 -ENOENT);
	ck_assert_int_eq(probe_env_value(text, strlen(text), "PIN_FILE", small,
					 sizeof(small)),
			 -ENAMETOOLONG);
}
END_TEST

START_TEST(test_find_process)
{
	char proc[128];
	pid_t pids[4];
	size_t count;

	put_file("proc/1/comm", "init\n", 5);
	put_file("proc/42/comm", "bluetoothd\n", 11);
	put_file("proc/43/comm", "bluetoothd-not\n", 15);
	put_file("proc/44/comm", "bluetoothd", 10);
	put_file("proc/self/comm", "bluetoothd\n", 11); /* not a pid */
	put_file("proc/45/status", "x", 1);		/* no comm */
	snprintf(proc, sizeof(proc), "%s/proc", dir);
	ck_assert_int_eq(probe_find_process(proc, "bluetoothd", pids, 4,
					    &count),
			 0);
	ck_assert_uint_eq(count, 2);
	ck_assert(pids[0] + pids[1] == 42 + 44);
	ck_assert_int_eq(probe_find_process(proc, "bluetoothd", pids, 1,
					    &count),
			 0);
	ck_assert_uint_eq(count, 1);
}
END_TEST

START_TEST(test_read_file_bounds)
{
	char path[128], *text, big[10000];
	size_t len;

	memset(big, 'x', sizeof(big));
	put_file("big", big, sizeof(big));
	snprintf(path, sizeof(path), "%s/big", dir);
	ck_assert_int_eq(probe_read_file(path, 9999, &text, &len), -EFBIG);
	ck_assert_int_eq(probe_read_file(path, 10000, &text, &len), 0);
	ck_assert_uint_eq(len, 10000);
	ck_assert_int_eq(text[len], '\0');
	probe_free_text(text, len);
	snprintf(path, sizeof(path), "%s", dir);
	ck_assert_int_eq(probe_read_file(path, 100, &text, &len), -EBADMSG);
}
END_TEST

START_TEST(test_mgmt_version)
{
	uint8_t version;
	uint16_t revision;

	ck_assert_int_eq(mgmt_rp_version_decode((const uint8_t[]){ 1, 22, 0 },
						3, &version, &revision),
			 0);
	ck_assert_uint_eq(version, 1);
	ck_assert_uint_eq(revision, 22);
	ck_assert_int_eq(mgmt_rp_version_decode((const uint8_t[]){ 1, 0x01,
								   0x02, 9 },
						4, &version, &revision),
			 0);
	ck_assert_uint_eq(revision, 0x0201);
	ck_assert_int_eq(mgmt_rp_version_decode((const uint8_t[]){ 1, 22 }, 2,
						&version, &revision),
			 -EBADMSG);
	ck_assert_str_eq(mgmt_opcode_str(MGMT_OP_READ_VERSION),
			 "Read Management Version Information");
}
END_TEST

static Suite *doctor_suite(void)
{
	Suite *s = suite_create("doctor");
	TCase *mon = tcase_create("monitor");
	TCase *files = tcase_create("files");

	tcase_add_test(mon, test_mon_ctrl_open);
	tcase_add_test(mon, test_mon_comm_full_length_and_hostile);
	tcase_add_test(mon, test_mon_close_and_others);
	tcase_add_test(mon, test_mon_truncated);
	tcase_add_test(mon, test_mon_collect_replay);
	tcase_add_test(mon, test_mgmt_version);
	suite_add_tcase(s, mon);

	tcase_add_checked_fixture(files, setup_dir, teardown_dir);
	tcase_add_test(files, test_rfkill_decode);
	tcase_add_test(files, test_rfkill_read_events);
	tcase_add_test(files, test_rfkill_sysfs);
	tcase_add_test(files, test_rfkill_lift);
	tcase_add_test(files, test_kernel_keys);
	tcase_add_test(files, test_kernel_keys_file);
	tcase_add_test(files, test_env_value);
	tcase_add_test(files, test_find_process);
	tcase_add_test(files, test_read_file_bounds);
	suite_add_tcase(s, files);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(doctor_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
