/*
 * Fuzz what btpair does with the kernel's bytes: the event decoder, the
 * reply decoders, the event descriptions and trace, and the mgmt client's
 * queueing under the pairing procedure, which is played a stream of events
 * on a socketpair exactly as the kernel would send them.
 *
 * Input: three option bytes, then mgmt frames back to back, each a 6-byte
 * header (event code, controller index, parameter length, little-endian)
 * and the parameters it announces (the last one may be cut short):
 *   byte 0  bits 0-1 confirmation policy (3: ask, answered by bit 7),
 *           bit 2 a passkey is given, bits 3-4 how many PINs (0-3),
 *           bit 5 prepare the controller first, bit 6 a deadline that
 *           passes almost at once
 *   byte 1  IO capability
 *   byte 2  interrupt (as SIGINT would) after this many commands; 0: never
 * The procedure must end: on the reply, the deadline, the interruption or
 * the end of the stream, whatever the stream holds. It must answer requests
 * for its own device only, and no PIN or link key may reach the trace.
 * Each event's JSON line must be a valid JSON object.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/context.h"
#include "cli/output.h"
#include "cli/trace.h"
#include "lib/time.h"
#include "mgmt/client.h"
#include "mgmt/wire.h"
#include "mgmt/addr.h"
#include "mgmt/eir.h"
#include "mgmt/pair.h"
#include "tests/fuzz/feeder.h"
#include "tests/fuzz/json_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The pairing's device and controller: those of the VM suite's captures. */
#define DEV "00:AA:01:01:00:01"
#define INDEX 0
/* A run never needs this long; a hang is the fuzzer's timeout. */
#define DEADLINE_MS 3000

/* PINs that appear nowhere else, so that finding one in the trace is a
 * leak and not a coincidence. The last is 16 bytes, for the Secure flag. */
static const char *const pins[] = { "Zq7#Wv", "8f%Kd1", "Qm3!x9Lp2@w7Rz5#" };

static bool is_reply_opcode(uint16_t op)
{
	return op == MGMT_OP_PIN_CODE_REPLY ||
	       op == MGMT_OP_PIN_CODE_NEG_REPLY ||
	       op == MGMT_OP_USER_CONFIRM_REPLY ||
	       op == MGMT_OP_USER_CONFIRM_NEG_REPLY ||
	       op == MGMT_OP_USER_PASSKEY_REPLY ||
	       op == MGMT_OP_USER_PASSKEY_NEG_REPLY;
}

struct run {
	struct cli cli;
	FILE *sent, *received; /* where the trace of each direction goes */
	bdaddr_t dev;
	unsigned int commands;
	unsigned int interrupt_after;
	int wake[2];
	bool ask_answer;
};

static void trace(void *data, bool outgoing, uint16_t code, uint16_t index,
		  const uint8_t *param, size_t len)
{
	struct run *r = data;

	if (outgoing) {
		/* Requests are answered for the device being paired only. */
		if (is_reply_opcode(code) && (index != INDEX || len < 6 ||
					      memcmp(param, &r->dev, 6) != 0))
			abort();
		if (++r->commands == r->interrupt_after &&
		    write(r->wake[1], "", 1) != 1)
			abort();
	}
	/* What btpair sends is checked for secrets; what it receives is
	 * the fuzzer's own bytes, shown as they came (keys redacted). */
	stderr = outgoing ? r->sent : r->received;
	cli_trace(&r->cli, outgoing, code, index, param, len);
}

static bool ask_confirm(void *data, const struct mgmt_addr *addr,
			uint32_t value, int64_t deadline)
{
	struct run *r = data;

	(void)value;
	(void)deadline;
	if (!bt_addr_equal(&addr->bdaddr, &r->dev))
		abort();
	return r->ask_answer;
}

static void new_link_key(void *data, uint16_t index,
			 const struct mgmt_link_key *key, uint8_t store_hint)
{
	struct run *r = data;

	(void)store_hint;
	if (index != INDEX || !bt_addr_equal(&key->addr.bdaddr, &r->dev))
		abort(); /* somebody else's key taken for ours */
}

static const struct pair_callbacks callbacks = {
	.ask_confirm = ask_confirm,
	.new_link_key = new_link_key,
};

/* The 32 hex digits of a key, in either case: never in any output. */
static void check_no_key(const char *text, const uint8_t val[16])
{
	char hex[33];

	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", val[i]);
	if (strcasestr(text, hex))
		abort();
}

/* Decode one frame on its own, and everything that reads a decoded event. */
static void check_frame(const uint8_t *frame, size_t n)
{
	struct mgmt_msg *m;
	struct mgmt_event ev;
	struct json j;
	char line[512];
	size_t plen = n - 6;

	m = malloc(sizeof(*m) + plen);
	if (!m)
		return;
	m->code = mgmt_get_le16(frame);
	m->index = mgmt_get_le16(frame + 2);
	m->len = (uint16_t)plen;
	memcpy(m->param, frame + 6, plen);
	if (mgmt_event_decode(m, &ev) == 0) {
		cli_event_describe(&ev, line, sizeof(line));
		json_begin(&j, cli_event_name(ev.code));
		cli_event_json(&ev, &j);
		/* The line json_end() would print: valid JSON whatever the
		 * event brought. */
		buf_put(&j.out, "}", 1);
		if (!j.out.failed && !json_check_object(j.out.data, j.out.len))
			abort();
		if (ev.code == MGMT_EV_NEW_LINK_KEY) {
			/* store_hint, then the key */
			const size_t off = 1 +
					   offsetof(struct mgmt_wire_link_key,
						    val);

			check_no_key(line, ev.new_link_key.key.val);
			if (j.out.data)
				check_no_key(j.out.data,
					     ev.new_link_key.key.val);
			/* What -vv dumps of it: the key's bytes blanked. */
			mgmt_redact(false, ev.code, m->param, plen);
			for (size_t i = off; i < off + 16 && i < plen; i++)
				if (m->param[i] != 'X')
					abort();
		}
		free(j.out.data);
		if (ev.code == MGMT_EV_CMD_COMPLETE) {
			struct mgmt_controller_info info;
			/* Every index a count can give: the decoder's bound
			 * is never what stops it. */
			static uint16_t indexes[0xffff];
			struct mgmt_addr addr;
			const uint8_t *entries;
			uint16_t count;
			uint32_t settings;

			mgmt_rp_read_info_decode(ev.cmd.data, ev.cmd.len,
						 &info);
			mgmt_rp_settings_decode(ev.cmd.data, ev.cmd.len,
						&settings);
			mgmt_rp_addr_decode(ev.cmd.data, ev.cmd.len, &addr);
			mgmt_rp_index_list_decode(ev.cmd.data, ev.cmd.len,
						  indexes, 0xffff, &count);
			if (mgmt_rp_connections_decode(ev.cmd.data, ev.cmd.len,
						       &count, &entries) == 0)
				for (uint16_t i = 0; i < count; i++)
					mgmt_rp_addr_decode(entries + 7 * i, 7,
							    &addr);
		}
		if (ev.code == MGMT_EV_DEVICE_FOUND) {
			struct eir_info eir;

			eir_parse(ev.device_found.eir, ev.device_found.eir_len,
				  &eir);
		}
	}
	free(m);
}

static void check_trace_text(const char *text)
{
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		char hex[3 * 16 + 1];
		size_t n = strlen(pins[i]);

		if (strstr(text, pins[i]))
			abort();
		for (size_t k = 0; k < n; k++)
			snprintf(hex + 3 * k, 4, " %02x",
				 (unsigned char)pins[i][k]);
		/* A hex dump line holds 16 bytes; the PIN starts at byte 8
		 * of its reply, so its first 8 bytes share a line. */
		hex[3 * (n < 8 ? n : 8)] = '\0';
		if (strstr(text, hex))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = {
		.cli = { .prog = "btpair", .verbose = 2, .signal_fd = -1 }
	};
	struct pair_params p = { .index = INDEX,
				 .cb = &callbacks,
				 .cb_data = &r };
	struct pair_result res;
	struct mgmt_controller_info info;
	struct mgmt_client *c;
	struct feeder f;
	uint8_t opt, status;
	char *out = NULL;
	size_t out_len = 0;
	FILE *saved_stderr;

	if (size < 3)
		return 0;
	opt = data[0];
	p.io_cap = data[1];
	r.interrupt_after = data[2];
	data += 3;
	size -= 3;

	feeder_each_frame(data, size, check_frame);

	if (bt_addr_parse(DEV, &r.dev) < 0)
		abort();
	p.addr.bdaddr = r.dev;
	p.addr.type = MGMT_ADDR_BREDR;
	p.confirm = (opt & 3) == 3 ? PAIR_CONFIRM_ASK :
				     (enum pair_confirm)(opt & 3);
	p.have_passkey = opt & 4;
	p.passkey = 123456;
	p.pins = pins;
	p.pin_count = (opt >> 3) & 3;
	p.deadline = time_deadline_in(opt & 0x40 ? 5 : DEADLINE_MS);
	r.ask_answer = opt & 0x80;

	if (pipe2(r.wake, O_CLOEXEC | O_NONBLOCK) < 0)
		abort();
	c = mgmt_client_new(feeder_start(&f, data, size));
	if (!c)
		abort();
	mgmt_client_set_wakeup_fd(c, r.wake[0]);

	/* -vv's trace goes to stderr: catch it to look for secrets. */
	r.sent = open_memstream(&out, &out_len);
	r.received = fopen("/dev/null", "we");
	if (!r.sent || !r.received)
		abort();
	saved_stderr = stderr;
	mgmt_client_set_trace(c, trace, &r);
	if (opt & 0x20)
		pair_prepare_controller(c, INDEX, p.deadline, &status, &info);
	pair_device(c, &p, &res);
	stderr = saved_stderr;
	fclose(r.sent);
	fclose(r.received);

	mgmt_client_free(c);
	feeder_stop(&f);
	close(r.wake[0]);
	close(r.wake[1]);

	if (res.pins_sent > p.pin_count)
		abort();
	check_trace_text(out ? out : "");
	free(out);
	return 0;
}
