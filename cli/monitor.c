/* monitor: print management events as they happen. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/context.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/common.h"
#include "cli/trace.h"

/* Print one event, as a line or a JSON object. */
static void show_event(struct cli *cli, const struct mgmt_event *ev)
{
	if (cli->json) {
		struct json j;

		json_begin(&j, cli_event_name(ev->code));
		cli_event_json(ev, &j);
		json_end(cli, &j);
	} else {
		char line[512];

		cli_event_describe(ev, line, sizeof(line));
		cli_print(cli, "%s", line);
	}
}

/* Print the events (of the controller wanted, or all) until the deadline
 * (-1: none). Returns the exit code. */
static int watch(struct cli *cli, uint16_t wanted, int64_t deadline)
{
	for (;;) {
		struct mgmt_msg *msg;
		struct mgmt_event ev;
		int err = mgmt_client_next(cli->client, deadline, &msg);

		if (err == -ETIMEDOUT) {
			/* The end of a quiet watch still prints something. */
			if (cli->json) {
				struct json j;

				json_begin(&j, "stopped");
				json_str(&j, "command", "monitor");
				json_null(&j, "paired");
				json_end(cli, &j);
			}
			return CLI_EXIT_OK;
		}
		if (err == -EINTR)
			return CLI_EXIT_INTERRUPTED;
		if (err < 0)
			return cli_client_fail(cli, err, "monitor");
		/* The event points into msg (a Device Connected's EIR, a
		 * Device Found's): msg lives until the event is shown.
		 * Events the monitor does not know, or malformed ones, are
		 * skipped: they carry nothing it could show truthfully. */
		if (mgmt_event_decode(msg, &ev) == 0 &&
		    (wanted == MGMT_INDEX_NONE || ev.index == wanted))
			show_event(cli, &ev);
		free(msg);
	}
}

int cmd_monitor(struct cli *cli, int argc, char *argv[])
{
	static const struct cli_opt opts[] = {
		{ "timeout", 't', CLI_OPT_RUN_TIME }, /* data: timeout_s */
		{ NULL },
	};
	unsigned long timeout_s = 0; /* none */
	uint16_t wanted = MGMT_INDEX_NONE;
	int ret = CLI_EXIT_OK;

	if (!cli_options(cli, "monitor", argc, argv, opts, NULL, &timeout_s,
			 &ret))
		return ret;
	if (!cli_index_arg(cli, &wanted))
		return CLI_EXIT_USAGE;
	/* The kernel would let a user's socket in and then show it nothing
	 * of pairing: a monitor that watches in vain must say so. */
	if (!cli_has_net_admin())
		return cli_fail(cli, CLI_EXIT_PERMISSION, -1,
				"monitor: permission denied: needs root or "
				"CAP_NET_ADMIN (the kernel sends pairing "
				"events to no one else)");
	ret = cli_open(cli, "monitor");
	if (ret)
		return ret;
	return watch(cli, wanted,
		     timeout_s ? time_deadline_in((int64_t)timeout_s * 1000) :
				 -1);
}
