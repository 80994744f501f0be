/*
 * The far side of a pairing in the VM suite: answers the PIN, confirmation
 * and passkey requests its controller gets, as an HC-05 answers with its
 * fixed PIN. A test helper only; it shares btpair's mgmt library.
 *
 *   responder INDEX [--pin PIN] [--refuse-confirm] [--passkey N]
 *             [--timeout S]
 *
 * Prints one line per request it answers, flushes, and runs until the
 * timeout (default 60 s) or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/addr.h"
#include "mgmt/client.h"
#include "mgmt/wire.h"

static void reply(struct mgmt_client *c, uint16_t op, uint16_t index,
		  const uint8_t *cp, size_t len)
{
	uint8_t status = 0xff;
	int err = mgmt_client_call(c, op, index, cp, len, mgmt_deadline_in(5000),
				   &status, NULL, 0, NULL);

	printf("responder: %s -> %s\n", mgmt_opcode_str(op),
	       err < 0 ? strerror(-err) : mgmt_status_str(status));
	fflush(stdout);
}

int main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "pin", required_argument, NULL, 'p' },
		{ "refuse-confirm", no_argument, NULL, 'r' },
		{ "passkey", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pin = NULL;
	bool refuse = false, have_passkey = false;
	unsigned long passkey = 0, timeout = 60, index;
	struct mgmt_client *c;
	int64_t deadline;
	int opt, fd;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'p': pin = optarg; break;
		case 'r': refuse = true; break;
		case 'k': have_passkey = true; passkey = strtoul(optarg, NULL, 10); break;
		case 't': timeout = strtoul(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (optind != argc - 1)
		return 2;
	index = strtoul(argv[optind], NULL, 10);

	fd = mgmt_open_control_socket();
	if (fd < 0) {
		fprintf(stderr, "responder: %s\n", strerror(-fd));
		return 1;
	}
	c = mgmt_client_new(fd);
	deadline = mgmt_deadline_in((int64_t)timeout * 1000);
	printf("responder: ready on hci%lu\n", index);
	fflush(stdout);

	for (;;) {
		uint8_t cp[32];
		struct mgmt_msg *msg;
		struct mgmt_event ev;
		char a[BT_ADDR_STRLEN];
		int err = mgmt_client_next(c, deadline, &msg);

		if (err < 0)
			break;
		err = mgmt_event_decode(msg, &ev);
		free(msg);
		if (err < 0 || ev.index != index)
			continue;
		switch (ev.code) {
		case MGMT_EV_PIN_CODE_REQUEST:
			printf("responder: pin request from %s\n",
			       bt_addr_format(&ev.pin_request.addr.bdaddr, a));
			if (pin)
				reply(c, MGMT_OP_PIN_CODE_REPLY, ev.index, cp,
				      mgmt_cmd_pin_code_reply(
					      cp, &ev.pin_request.addr,
					      (const uint8_t *)pin, strlen(pin)));
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
