#include "mgmt/pair.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mgmt/addr.h"

/* How long a reply to a request may take, within the overall deadline. */
#define REPLY_TIMEOUT_MS 5000
/* How long to wait for Cancel Pair Device once the deadline has passed or
 * the user interrupted. */
#define CANCEL_TIMEOUT_MS 2000
/* Before pairing again, how long to wait for the old link to go down: a
 * Pair Device sent while it is still going down fails with Disconnected. */
#define LINK_DOWN_TIMEOUT_MS 2000
/* How long ending the pairing's own link may take once the pairing is done:
 * the kernel answers Disconnect when the controller reports the link gone. */
#define DISCONNECT_TIMEOUT_MS 3000

static int64_t earlier(int64_t deadline, int64_t ms)
{
	int64_t d = time_deadline_in(ms);

	return deadline >= 0 && deadline < d ? deadline : d;
}

int pair_prepare_controller(struct mgmt_client *c, uint16_t index,
			    int64_t deadline, uint8_t *status,
			    struct mgmt_controller_info *info)
{
	static const struct {
		uint16_t opcode;
		uint32_t setting;
	} wanted[] = {
		/* Bondable first: it works unpowered and must be on before any
		 * request arrives. */
		{ MGMT_OP_SET_BONDABLE, MGMT_SETTING_BONDABLE },
		{ MGMT_OP_SET_POWERED, MGMT_SETTING_POWERED },
	};
	uint32_t *settings = &info->current_settings;
	uint8_t rp[sizeof(struct mgmt_rp_read_info)], mode[1];
	size_t rp_len = 0;
	int err;

	/* Each step only when the one before it worked: err, or a failed
	 * *status, is what the caller gets. */
	err = mgmt_client_call(c, MGMT_OP_READ_INFO, index, NULL, 0, deadline,
			       status, rp, sizeof(rp), &rp_len);
	if (!err && *status == MGMT_STATUS_SUCCESS)
		err = mgmt_rp_read_info_decode(rp, rp_len, info);
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		if (err || *status != MGMT_STATUS_SUCCESS)
			break;
		if (*settings & wanted[i].setting)
			continue;
		err = mgmt_client_call(c, wanted[i].opcode, index, mode,
				       mgmt_cmd_mode(mode, true), deadline,
				       status, rp, sizeof(rp), &rp_len);
		if (!err && *status == MGMT_STATUS_SUCCESS)
			err = mgmt_rp_settings_decode(rp, rp_len, settings);
	}
	return err;
}

struct pairing {
	struct mgmt_client *c;
	const struct pair_params *p;
	struct pair_result *res;
	struct policy policy;
	struct policy_state *st;
	bool started;	/* Pair Device sent: a cancel has something to cancel */
	bool link_down; /* the device disconnected since Pair Device */
	bool link_made; /* ... or connected: the link is the pairing's */
	bool restart_pending; /* pair again once the link is down */
	int64_t restart_at;   /* ... or at this time, whichever comes first */
	bool stale_retried;   /* a Disconnected failure was retried once */
	bool answered;	      /* a request of this attempt was answered */
	bool pin_failed;      /* a PIN of this attempt failed */
};

static void phase(const struct pairing *pg, enum pair_phase ph)
{
	if (pg->p->cb && pg->p->cb->phase)
		pg->p->cb->phase(pg->p->cb_data, ph);
}

/* The policy pair and connect answer with: p's PINs, passkey and
 * confirmation rule, for p's device only (the caller filters). */
static void pairing_policy(struct pairing *pg)
{
	const struct pair_params *p = pg->p;

	pg->policy = (struct policy){
		.pins = p->pins,
		.pin_count = p->pin_count,
		.have_passkey = p->have_passkey,
		.passkey = p->passkey,
		.confirm = (enum policy_confirm)p->confirm,
		.ask_confirm = p->cb ? p->cb->ask_confirm : NULL,
		.data = p->cb_data,
	};
}

/* Whether a request event is about the device being paired. */
static bool is_ours(const struct pairing *pg, uint16_t index,
		    const struct mgmt_addr *addr)
{
	return index == pg->p->index &&
	       bt_addr_equal(&addr->bdaddr, &pg->p->addr.bdaddr);
}

/* The flag of res that notes a refusal for reason, or NULL for a reason
 * res does not note (an answer sent, a refusal of the caller's). */
static bool *refusal_flag(struct pair_result *res, enum policy_reason reason)
{
	switch (reason) {
	case POLICY_REASON_NO_PIN:
	case POLICY_REASON_PINS_FAILED:
		return &res->pin_missing;
	case POLICY_REASON_SECURE_PIN:
		return &res->pin_secure_refused;
	case POLICY_REASON_CONFIRM:
		return &res->confirm_refused;
	case POLICY_REASON_NO_PASSKEY:
		return &res->passkey_missing;
	case POLICY_REASON_ANSWERED:
	case POLICY_REASON_NOT_ALLOWED:
	case POLICY_REASON_PIN_LOOKUP:
	case POLICY_REASON_REFUSED:
		break;
	}
	return NULL;
}

/* Answer a request for the device as the policy says, and note in res what
 * was asked and refused. */
static int answer_request(struct pairing *pg, const struct mgmt_event *ev)
{
	struct pair_result *res = pg->res;
	struct policy_reply r;
	bool *flag;
	int err;

	if (ev->code == MGMT_EV_PIN_CODE_REQUEST)
		res->pin_requested = true;
	err = policy_answer(pg->c, &pg->policy, pg->st, ev,
			    earlier(pg->p->deadline, REPLY_TIMEOUT_MS), &r);
	if (err < 0)
		return err;
	if (r.rejected)
		res->reply_rejected = true;
	flag = refusal_flag(res, r.reason);
	if (flag)
		*flag = true;
	else if (r.reason == POLICY_REASON_ANSWERED &&
		 ev->code == MGMT_EV_PIN_CODE_REQUEST && r.accepted &&
		 r.pin >= res->pins_sent)
		res->pins_sent = r.pin + 1;
	return 0;
}

static int start_pairing(struct pairing *pg)
{
	uint8_t cp[sizeof(struct mgmt_cp_pair_device)];
	size_t len = mgmt_cmd_pair_device(cp, &pg->p->addr, pg->p->io_cap);
	int err;

	pg->started = true;
	pg->answered = false;
	pg->pin_failed = false;
	pg->link_down = false;
	pg->link_made = false;
	pg->restart_pending = false;
	/*
	 * Pair Device that goes on to page and pair replies later, when the
	 * pairing ends: its send() succeeds. Its send() fails with ENOMEM
	 * only when the kernel answered at once (Already Paired, Busy, Not
	 * Powered, a link that could not even be started) and could not
	 * queue that answer, the receive buffer being full. No pairing is
	 * under way then, and the answer depends only on the state, so the
	 * same command, sent once the buffer is read, gets it again.
	 */
	for (int tries = 1;; tries++) {
		err = mgmt_client_send(pg->c, MGMT_OP_PAIR_DEVICE, pg->p->index,
				       cp, len);
		if (err == 0)
			phase(pg, PAIR_PHASE_CONNECTING);
		if (err != -ENOMEM || tries >= MGMT_CLIENT_LOST_REPLY_TRIES)
			return err;
	}
}

/* Cancel Pair Device, waiting briefly for its reply; the wakeup fd is set
 * aside meanwhile, since it may still be readable. */
static void cancel_pairing(struct pairing *pg)
{
	int wakeup = mgmt_client_wakeup_fd(pg->c);
	uint8_t cp[sizeof(struct mgmt_wire_addr)], status;

	if (!pg->started)
		return;
	mgmt_client_set_wakeup_fd(pg->c, -1);
	mgmt_client_call(pg->c, MGMT_OP_CANCEL_PAIR_DEVICE, pg->p->index, cp,
			 mgmt_cmd_addr(cp, &pg->p->addr),
			 time_deadline_in(CANCEL_TIMEOUT_MS), &status, NULL, 0,
			 NULL);
	mgmt_client_set_wakeup_fd(pg->c, wakeup);
}

/* Pair again as soon as the previous attempt's link is down. */
static int schedule_restart(struct pairing *pg)
{
	if (pg->link_down)
		return start_pairing(pg);
	pg->restart_pending = true;
	pg->restart_at = time_deadline_in(LINK_DOWN_TIMEOUT_MS);
	return 0;
}

/*
 * Pair Device's reply. Returns 1 when the pairing is over, 0 when it will
 * go on (with the next PIN, or on a fresh link), or -errno.
 */
static int pairing_done(struct pairing *pg, const struct mgmt_event *ev)
{
	struct pair_result *res = pg->res;

	res->status = ev->cmd.status;
	switch (ev->cmd.status) {
	case MGMT_STATUS_SUCCESS:
		res->outcome = PAIR_OUTCOME_PAIRED;
		return 1;
	case MGMT_STATUS_ALREADY_PAIRED:
		res->outcome = PAIR_OUTCOME_ALREADY_PAIRED;
		return 1;
	case MGMT_STATUS_AUTH_FAILED:
		/* A wrong PIN: try the next one, if any, from scratch. The
		 * kernel sends no Authentication Failed event to the socket
		 * that paired: this status is the failure. */
		if (policy_note_auth_failed(pg->st, pg->p->index,
					    &pg->p->addr.bdaddr))
			pg->pin_failed = true;
		if (pg->pin_failed &&
		    policy_pins_left(pg->st, pg->p->index, &pg->p->addr.bdaddr,
				     pg->p->pin_count) &&
		    !res->pin_secure_refused) {
			res->auth_failed = false;
			res->disconnected = false;
			return schedule_restart(pg);
		}
		break;
	case MGMT_STATUS_INVALID_INDEX:
		/* The kernel ends what is pending on a controller being
		 * removed with Invalid Index, just before Index Removed. */
		res->outcome = PAIR_OUTCOME_ERROR;
		res->err = -ENODEV;
		return 1;
	case MGMT_STATUS_DISCONNECTED:
		/* The key came and the kernel keeps it: the pairing is done,
		 * whatever became of the link afterwards (bluetoothd, too,
		 * calls the device bonded then). */
		if (res->key_received && res->store_hint) {
			res->outcome = PAIR_OUTCOME_PAIRED;
			return 1;
		}
		/* A link left over from an earlier attempt went down under
		 * this one before anything was asked: try once more. */
		if (!res->pin_requested && !pg->stale_retried) {
			pg->stale_retried = true;
			res->disconnected = false;
			return schedule_restart(pg);
		}
		break;
	default:
		break;
	}
	res->outcome = PAIR_OUTCOME_FAILED;
	return 1;
}

/* A request was answered (err from the answer): the result comes next. */
static int answered(struct pairing *pg, int err)
{
	if (err == 0) {
		pg->answered = true;
		phase(pg, PAIR_PHASE_ANSWERED);
	}
	return err;
}

/* Handle one event. Returns 1 when the pairing is over, 0 to go on, or
 * -errno. */
static int handle_event(struct pairing *pg, const struct mgmt_event *ev)
{
	const struct pair_params *p = pg->p;
	struct pair_result *res = pg->res;

	switch ((enum mgmt_event_code)ev->code) {
	case MGMT_EV_CMD_COMPLETE:
	case MGMT_EV_CMD_STATUS:
		if (ev->index == p->index &&
		    ev->cmd.opcode == MGMT_OP_PAIR_DEVICE)
			return pairing_done(pg, ev);
		return 0;
	case MGMT_EV_PIN_CODE_REQUEST:
		if (!is_ours(pg, ev->index, &ev->pin_request.addr))
			return 0;
		return answered(pg, answer_request(pg, ev));
	case MGMT_EV_USER_CONFIRM_REQUEST:
		if (!is_ours(pg, ev->index, &ev->confirm_request.addr))
			return 0;
		return answered(pg, answer_request(pg, ev));
	case MGMT_EV_USER_PASSKEY_REQUEST:
		if (!is_ours(pg, ev->index, &ev->passkey_request.addr))
			return 0;
		return answered(pg, answer_request(pg, ev));
	case MGMT_EV_PASSKEY_NOTIFY:
		if (is_ours(pg, ev->index, &ev->passkey_notify.addr) && p->cb &&
		    p->cb->passkey_notify)
			p->cb->passkey_notify(p->cb_data, &p->addr,
					      ev->passkey_notify.passkey,
					      ev->passkey_notify.entered);
		return 0;
	case MGMT_EV_NEW_LINK_KEY:
		if (!is_ours(pg, ev->index, &ev->new_link_key.key.addr))
			return 0;
		policy_note_event(pg->st, ev);
		res->key_received = true;
		res->key_type = ev->new_link_key.key.type;
		res->store_hint = ev->new_link_key.store_hint;
		if (p->cb && p->cb->new_link_key)
			p->cb->new_link_key(p->cb_data, ev->index,
					    &ev->new_link_key.key,
					    ev->new_link_key.store_hint);
		return 0;
	case MGMT_EV_AUTH_FAILED:
		if (is_ours(pg, ev->index, &ev->auth_failed.addr)) {
			if (policy_note_event(pg->st, ev))
				pg->pin_failed = true;
			res->auth_failed = true;
			res->auth_status = ev->auth_failed.status;
		}
		return 0;
	case MGMT_EV_DEVICE_DISCONNECTED:
		if (!is_ours(pg, ev->index, &ev->disconnected.addr))
			return 0;
		pg->link_down = true;
		if (pg->restart_pending)
			return start_pairing(pg);
		res->disconnected = true;
		res->disconnect_reason = ev->disconnected.reason;
		return 0;
	case MGMT_EV_INDEX_REMOVED:
		if (ev->index != p->index)
			return 0;
		res->outcome = PAIR_OUTCOME_ERROR;
		res->err = -ENODEV;
		return 1;
	case MGMT_EV_DEVICE_CONNECTED:
		if (is_ours(pg, ev->index, &ev->connected.addr))
			pg->link_made = true;
		/* The event may come after the first request: then the
		 * pairing is past waiting for one. */
		if (pg->started && !pg->answered &&
		    is_ours(pg, ev->index, &ev->connected.addr))
			phase(pg, PAIR_PHASE_CONNECTED);
		return 0;
	case MGMT_EV_INDEX_ADDED:
	case MGMT_EV_NEW_SETTINGS:
	case MGMT_EV_CONNECT_FAILED:
	case MGMT_EV_DEVICE_UNPAIRED:
	case MGMT_EV_DEVICE_FOUND:
	case MGMT_EV_DISCOVERING:
		return 0;
	}
	return 0;
}

/*
 * End the link Pair Device made, and wait until it is gone. Left up, the
 * kernel keeps it for a few seconds after the pairing, authenticated but not
 * encrypted (legacy pairing ends at Authentication Complete); an RFCOMM
 * connect made on it meanwhile to a device that demands an authenticated
 * link has the device authenticate the old link again, and is refused
 * (ECONNREFUSED) where a connect on a fresh link gets through. A failure
 * here changes nothing about the pairing: the key is the kernel's.
 */
static void end_pairing_link(struct pairing *pg)
{
	int wakeup = mgmt_client_wakeup_fd(pg->c);
	uint8_t cp[sizeof(struct mgmt_wire_addr)], status = 0xff;

	if (!pg->link_made || pg->link_down)
		return;
	mgmt_client_set_wakeup_fd(pg->c, -1);
	mgmt_client_call(pg->c, MGMT_OP_DISCONNECT, pg->p->index, cp,
			 mgmt_cmd_addr(cp, &pg->p->addr),
			 time_deadline_in(DISCONNECT_TIMEOUT_MS), &status, NULL,
			 0, NULL);
	mgmt_client_set_wakeup_fd(pg->c, wakeup);
	pg->res->link_ended = status == MGMT_STATUS_SUCCESS;
}

int pair_device(struct mgmt_client *c, const struct pair_params *p,
		struct pair_result *res)
{
	struct policy_state st = { 0 };
	struct pairing pg = { .c = c, .p = p, .res = res, .st = &st };
	uint8_t mode[1], status;
	int err;

	pairing_policy(&pg);
	memset(res, 0, sizeof(*res));
	res->outcome = PAIR_OUTCOME_ERROR;

	/* The controller-wide capability also governs requests the peer
	 * starts while the link is up; Pair Device's own overrides it for
	 * this pairing. */
	err = mgmt_client_call(c, MGMT_OP_SET_IO_CAPABILITY, p->index, mode,
			       mgmt_cmd_set_io_capability(mode, p->io_cap),
			       p->deadline, &status, NULL, 0, NULL);
	if (err == 0 && status != MGMT_STATUS_SUCCESS) {
		res->status = status;
		res->outcome = PAIR_OUTCOME_FAILED;
		return 0;
	}
	if (err == 0)
		err = start_pairing(&pg);

	while (err == 0) {
		struct mgmt_msg *msg;
		struct mgmt_event ev;

		int64_t deadline = p->deadline;

		if (pg.restart_pending &&
		    (deadline < 0 || pg.restart_at < deadline))
			deadline = pg.restart_at;
		err = mgmt_client_next(c, deadline, &msg);
		if (err == -ETIMEDOUT && deadline != p->deadline) {
			/* The old link never reported going down. */
			err = start_pairing(&pg);
			continue;
		}
		if (err < 0)
			break;
		/* Unknown and malformed events are none of ours. */
		if (mgmt_event_decode(msg, &ev) == 0)
			err = handle_event(&pg, &ev);
		free(msg);
		if (err == 1) {
			if (res->outcome == PAIR_OUTCOME_PAIRED)
				end_pairing_link(&pg);
			return 0;
		}
	}

	switch (err) {
	case -ETIMEDOUT:
		res->outcome = PAIR_OUTCOME_TIMEOUT;
		cancel_pairing(&pg);
		break;
	case -EINTR:
		res->outcome = PAIR_OUTCOME_INTERRUPTED;
		cancel_pairing(&pg);
		break;
	default:
		res->outcome = PAIR_OUTCOME_ERROR;
		res->err = err;
		break;
	}
	return 0;
}

int pair_answer_event(struct mgmt_client *c, const struct pair_params *p,
		      struct pair_result *res, struct policy_state *st,
		      const struct mgmt_event *ev)
{
	struct pairing pg = {
		.c = c, .p = p, .res = res, .st = st, .link_down = true
	};
	int err;

	/* With no Pair Device of ours under way, neither a command's reply
	 * nor a lost controller ends anything here: the caller sees those. */
	if (ev->code == MGMT_EV_CMD_COMPLETE ||
	    ev->code == MGMT_EV_CMD_STATUS || ev->code == MGMT_EV_INDEX_REMOVED)
		return 0;
	pairing_policy(&pg);
	err = handle_event(&pg, ev);
	return err < 0 ? err : 0;
}
