/*
 * The far side of a pairing in the VM suite: answers the PIN, confirmation
 * and passkey requests its controller gets, as an HC-05 answers with its
 * fixed PIN. A test helper only; it shares btpair's mgmt library.
 *
 *   responder INDEX [--pin PIN] [--refuse-confirm] [--passkey N]
 *             [--timeout S] [--silent] [--delay MS] [--after-events N]
 *             [--pair ADDR [--capability N]]
 *   responder INDEX --flood N
 *
 * Prints one line per request it answers, flushes, and runs until the
 * timeout (default 60 s) or SIGTERM. --silent notes each request and
 * answers none (a device whose owner never types the PIN); --delay waits
 * before each answer; --after-events N waits, before each answer, until N
 * more messages about other controllers have come since the request (a
 * flood that surely runs through the pairing, however fast it runs). --pair
 * starts a pairing with ADDR from INDEX (a
 * device that pairs on its own), with IO capability N (default 3,
 * NoInputNoOutput), and reports Pair Device's status. --flood sends N Set
 * Local Name commands to INDEX as fast as the kernel takes them, each
 * making an event for every other management socket, then exits.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgmt/addr.h"
#include "mgmt/client.h"
#include "mgmt/wire.h"

/* How the requests are answered. */
static bool silent;
static unsigned long delay_ms;
static unsigned long after_events, others_seen;
static uint16_t own_index;

static void reply(struct mgmt_client *c, uint16_t op, uint16_t index,
		  const uint8_t *cp, size_t len)
{
	struct timespec pause = { .tv_sec = (time_t)(delay_ms / 1000),
				  .tv_nsec = (long)(delay_ms % 1000) *
					     1000000 };
	uint8_t status = 0xff;
	int err;

	/* The request's line goes out before any wait: tests watch for it. */
	fflush(stdout);
	if (silent) {
		printf("responder: %s withheld\n", mgmt_opcode_str(op));
		fflush(stdout);
		return;
	}
	if (delay_ms)
		nanosleep(&pause, NULL);
	for (unsigned long target = others_seen + after_events;
	     others_seen < target;) {
		struct mgmt_msg *m;

		if (mgmt_client_next(c, time_deadline_in(60000), &m) < 0)
			break;
		if (m->index != own_index)
			others_seen++;
		free(m);
	}
	if (after_events) {
		printf("responder: answering after %lu more events of other "
		       "controllers\n",
		       after_events);
		fflush(stdout);
	}
	err = mgmt_client_call(c, op, index, cp, len, time_deadline_in(5000),
			       &status, NULL, 0, NULL);

	printf("responder: %s -> %s\n", mgmt_opcode_str(op),
	       err < 0 ? strerror(-err) : mgmt_status_str(status));
	fflush(stdout);
}

/*
 * Send count Set Local Name commands to index, two names in turn (a name
 * that does not change makes no event), keeping a few in flight. Returns
 * 0, or 1 after saying why not.
 */
static int flood(struct mgmt_client *c, uint16_t index, unsigned long count)
{
	unsigned long sent = 0, done = 0, failed = 0;
	int64_t start = time_now_ms();
	uint8_t cp[260];

	while (done < count) {
		struct mgmt_msg *msg;
		struct mgmt_event ev;
		int err;

		if (sent < count && sent - done < 16) {
			size_t len = mgmt_cmd_set_local_name(
				cp, sent % 2 ? "flood-b" : "flood-a");

			err = mgmt_client_send(c, MGMT_OP_SET_LOCAL_NAME, index,
					       cp, len);
			if (err < 0)
				break;
			sent++;
			continue;
		}
		err = mgmt_client_next(c, time_deadline_in(5000), &msg);
		if (err < 0) {
			fprintf(stderr, "responder: flood: %s\n",
				strerror(-err));
			return 1;
		}
		if (mgmt_event_decode(msg, &ev) == 0 &&
		    (ev.code == MGMT_EV_CMD_COMPLETE ||
		     ev.code == MGMT_EV_CMD_STATUS) &&
		    ev.cmd.opcode == MGMT_OP_SET_LOCAL_NAME) {
			done++;
			if (ev.cmd.status != MGMT_STATUS_SUCCESS)
				failed++;
		}
		free(msg);
	}
	printf("responder: flood of %lu Set Local Name on hci%u, %lu failed, "
	       "in %lld ms\n",
	       done, index, failed, (long long)(time_now_ms() - start));
	return done == count && !failed ? 0 : 1;
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, 'p' },
		{ "refuse-confirm", no_argument, NULL, 'r' },
		{ "passkey", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "silent", no_argument, NULL, 's' },
		{ "delay", required_argument, NULL, 'd' },
		{ "pair", required_argument, NULL, 'P' },
		{ "capability", required_argument, NULL, 'c' },
		{ "flood", required_argument, NULL, 'f' },
		{ "after-events", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pin = NULL, *pair = NULL;
	bool refuse = false, have_passkey = false;
	unsigned long passkey = 0, timeout = 60, index, io_cap = 3, floods = 0;
	struct mgmt_client *c;
	int64_t deadline;
	int opt, fd;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			pin = optarg;
			break;
		case 'r':
			refuse = true;
			break;
		case 'k':
			have_passkey = true;
			passkey = strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout = strtoul(optarg, NULL, 10);
			break;
		case 's':
			silent = true;
			break;
		case 'd':
			delay_ms = strtoul(optarg, NULL, 10);
			break;
		case 'P':
			pair = optarg;
			break;
		case 'c':
			io_cap = strtoul(optarg, NULL, 10);
			break;
		case 'f':
			floods = strtoul(optarg, NULL, 10);
			break;
		case 'a':
			after_events = strtoul(optarg, NULL, 10);
			break;
		default:
			return 2;
		}
	}
	if (optind != argc - 1)
		return 2;
	index = strtoul(argv[optind], NULL, 10);
	own_index = (uint16_t)index;

	fd = mgmt_open_control_socket();
	if (fd < 0) {
		fprintf(stderr, "responder: %s\n", strerror(-fd));
		return 1;
	}
	c = mgmt_client_new(fd);
	if (floods) {
		int ret = flood(c, (uint16_t)index, floods);

		mgmt_client_free(c);
		return ret;
	}
	deadline = time_deadline_in((int64_t)timeout * 1000);
	printf("responder: ready on hci%lu\n", index);
	fflush(stdout);
	if (pair) {
		struct mgmt_addr to = { .type = MGMT_ADDR_BREDR };
		uint8_t cp[8];
		size_t len;

		if (bt_addr_parse(pair, &to.bdaddr) < 0 || io_cap > 4)
			return 2;
		len = mgmt_cmd_pair_device(cp, &to, (uint8_t)io_cap);
		mgmt_client_send(c, MGMT_OP_PAIR_DEVICE, (uint16_t)index, cp,
				 len);
	}

	for (;;) {
		uint8_t cp[32];
		struct mgmt_msg *msg;
		struct mgmt_event ev;
		char a[BT_ADDR_STRLEN];
		int err = mgmt_client_next(c, deadline, &msg);

		if (err < 0)
			break;
		if (msg->index != index)
			others_seen++;
		err = mgmt_event_decode(msg, &ev);
		free(msg);
		if (err < 0 || ev.index != index)
			continue;
		switch (ev.code) {
		case MGMT_EV_CMD_COMPLETE:
		case MGMT_EV_CMD_STATUS:
			if (ev.cmd.opcode == MGMT_OP_PAIR_DEVICE)
				printf("responder: pair device status 0x%02x\n",
				       ev.cmd.status);
			break;
		case MGMT_EV_PIN_CODE_REQUEST:
			printf("responder: pin request from %s\n",
			       bt_addr_format(&ev.pin_request.addr.bdaddr, a));
			if (pin)
				reply(c, MGMT_OP_PIN_CODE_REPLY, ev.index, cp,
				      mgmt_cmd_pin_code_reply(
					      cp, &ev.pin_request.addr,
					      (const uint8_t *)pin,
					      strlen(pin)));
			else
				reply(c, MGMT_OP_PIN_CODE_NEG_REPLY, ev.index,
				      cp,
				      mgmt_cmd_addr(cp, &ev.pin_request.addr));
			break;
		case MGMT_EV_USER_CONFIRM_REQUEST:
			printf("responder: confirm request %06u hint %u\n",
			       ev.confirm_request.value,
			       ev.confirm_request.confirm_hint);
			reply(c,
			      refuse ? MGMT_OP_USER_CONFIRM_NEG_REPLY :
				       MGMT_OP_USER_CONFIRM_REPLY,
			      ev.index, cp,
			      mgmt_cmd_addr(cp, &ev.confirm_request.addr));
			break;
		case MGMT_EV_USER_PASSKEY_REQUEST:
			if (have_passkey)
				reply(c, MGMT_OP_USER_PASSKEY_REPLY, ev.index,
				      cp,
				      mgmt_cmd_user_passkey_reply(
					      cp, &ev.passkey_request.addr,
					      (uint32_t)passkey));
			else
				reply(c, MGMT_OP_USER_PASSKEY_NEG_REPLY,
				      ev.index, cp,
				      mgmt_cmd_addr(cp,
						    &ev.passkey_request.addr));
			break;
		case MGMT_EV_NEW_LINK_KEY:
			printf("responder: new link key type %u\n",
			       ev.new_link_key.key.type);
			break;
		case MGMT_EV_AUTH_FAILED:
			printf("responder: auth failed status 0x%02x\n",
			       ev.auth_failed.status);
			break;
		default:
			break;
		}
		fflush(stdout);
	}
	mgmt_client_free(c);
	return 0;
}
