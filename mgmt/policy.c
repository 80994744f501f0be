#include "mgmt/policy.h"

#include <errno.h>
#include <string.h>

#include "mgmt/addr.h"

static struct policy_device *find_dev(struct policy_state *st, uint16_t index,
				      const bdaddr_t *dev, bool create)
{
	struct policy_device *free_slot = NULL;

	for (size_t i = 0; i < POLICY_MAX_DEVICES; i++) {
		struct policy_device *d = &st->dev[i];

		if (d->used && d->index == index && bt_addr_equal(&d->dev, dev))
			return d;
		if (!d->used && !free_slot)
			free_slot = d;
	}
	if (!create)
		return NULL;
	if (!free_slot)
		free_slot = &st->dev[0]; /* the first slot gives way */
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->index = index;
	free_slot->dev = *dev;
	return free_slot;
}

/*
 * Send the reply to a request of kind code: accept (with pin or passkey
 * where the kind takes one) or refuse. Every reply of every path leaves
 * from here. A failure status means the request was gone (answered by
 * another socket, or the link dropped): noted, not fatal.
 */
static int send_reply(struct mgmt_client *c, uint16_t index,
		      const struct mgmt_addr *addr, uint16_t code, bool accept,
		      const char *pin, uint32_t passkey, int64_t deadline,
		      struct policy_reply *out)
{
	uint8_t cp[sizeof(struct mgmt_cp_pin_code_reply)], status;
	size_t len = 0;
	int err;

	switch (code) {
	case MGMT_EV_PIN_CODE_REQUEST:
		if (accept)
			len = mgmt_cmd_pin_code_reply(cp, addr,
						      (const uint8_t *)pin,
						      strlen(pin));
		/* A PIN that does not fit is refused rather than sent cut. */
		accept = accept && len;
		out->opcode = accept ? MGMT_OP_PIN_CODE_REPLY :
				       MGMT_OP_PIN_CODE_NEG_REPLY;
		break;
	case MGMT_EV_USER_CONFIRM_REQUEST:
		out->opcode = accept ? MGMT_OP_USER_CONFIRM_REPLY :
				       MGMT_OP_USER_CONFIRM_NEG_REPLY;
		break;
	case MGMT_EV_USER_PASSKEY_REQUEST:
		if (accept) {
			out->opcode = MGMT_OP_USER_PASSKEY_REPLY;
			len = mgmt_cmd_user_passkey_reply(cp, addr, passkey);
		} else {
			out->opcode = MGMT_OP_USER_PASSKEY_NEG_REPLY;
		}
		break;
	default:
		return -EINVAL;
	}
	if (!len)
		len = mgmt_cmd_addr(cp, addr);
	out->accepted = accept;
	err = mgmt_client_call(c, out->opcode, index, cp, len, deadline,
			       &status, NULL, 0, NULL);
	explicit_bzero(cp, sizeof(cp));
	/* A reply to a request that lost its own reply (-ENOMEM: the
	 * receive buffer was full) was taken or refused at once; sending it
	 * again cannot be taken. Either way what follows (Pair Device's
	 * reply, the events) tells how the pairing ends. */
	if (err == -ENOMEM)
		out->lost = true;
	if (err == -EBADMSG || err == -ENOMEM)
		return 0;
	if (err < 0)
		return err;
	out->status = status;
	out->rejected = status != MGMT_STATUS_SUCCESS;
	return 0;
}

static int answer_pin(struct mgmt_client *c, const struct policy *p,
		      struct policy_state *st, const struct mgmt_event *ev,
		      int64_t deadline, struct policy_reply *out)
{
	const struct mgmt_addr *addr = &ev->pin_request.addr;
	const char *const *pins = p->pins;
	size_t count = p->pin_count;
	struct policy_device *d;
	const char *pin;
	int err;

	if (p->lookup_pins &&
	    p->lookup_pins(p->data, ev->index, &addr->bdaddr, &pins, &count)) {
		out->reason = POLICY_REASON_PIN_LOOKUP;
		goto refuse;
	}
	out->pin_count = count;
	if (!count) {
		out->reason = POLICY_REASON_NO_PIN;
		goto refuse;
	}
	d = find_dev(st, ev->index, &addr->bdaddr, true);
	if (d->failed >= count) {
		out->reason = POLICY_REASON_PINS_FAILED;
		goto refuse;
	}
	pin = pins[d->failed];
	/* With the Secure flag the kernel takes only 16-byte PINs; anything
	 * else would fail as if it were wrong. */
	if (ev->pin_request.secure && strlen(pin) != MGMT_PIN_MAX_LEN) {
		out->reason = POLICY_REASON_SECURE_PIN;
		goto refuse;
	}
	out->pin = d->failed;
	err = send_reply(c, ev->index, addr, ev->code, true, pin, 0, deadline,
			 out);
	/* A PIN the kernel did not take cannot fail. */
	d->pin_out = err == 0 && out->accepted && !out->rejected;
	return err;
refuse:
	return send_reply(c, ev->index, addr, ev->code, false, NULL, 0,
			  deadline, out);
}

int policy_answer(struct mgmt_client *c, const struct policy *p,
		  struct policy_state *st, const struct mgmt_event *ev,
		  int64_t deadline, struct policy_reply *out)
{
	const struct mgmt_addr *addr;
	bool accept = false;

	memset(out, 0, sizeof(*out));
	switch (ev->code) {
	case MGMT_EV_PIN_CODE_REQUEST:
		addr = &ev->pin_request.addr;
		break;
	case MGMT_EV_USER_CONFIRM_REQUEST:
		addr = &ev->confirm_request.addr;
		out->just_works = ev->confirm_request.confirm_hint == 1;
		break;
	case MGMT_EV_USER_PASSKEY_REQUEST:
		addr = &ev->passkey_request.addr;
		break;
	default:
		return -EINVAL;
	}
	if (p->allowed && !p->allowed(p->data, ev->index, &addr->bdaddr)) {
		out->reason = POLICY_REASON_NOT_ALLOWED;
		return send_reply(c, ev->index, addr, ev->code, false, NULL, 0,
				  deadline, out);
	}
	switch (ev->code) {
	case MGMT_EV_PIN_CODE_REQUEST:
		return answer_pin(c, p, st, ev, deadline, out);
	case MGMT_EV_USER_CONFIRM_REQUEST:
		/* Just Works has no number to compare. */
		if (out->just_works || p->confirm == POLICY_CONFIRM_ACCEPT)
			accept = true;
		else if (p->confirm == POLICY_CONFIRM_ASK && p->ask_confirm)
			accept = p->ask_confirm(p->data, addr,
						ev->confirm_request.value,
						deadline);
		if (!accept)
			out->reason = POLICY_REASON_CONFIRM;
		break;
	default:
		accept = p->have_passkey;
		if (!accept)
			out->reason = POLICY_REASON_NO_PASSKEY;
		break;
	}
	return send_reply(c, ev->index, addr, ev->code, accept, NULL,
			  p->passkey, deadline, out);
}

int policy_refuse(struct mgmt_client *c, uint16_t index,
		  const struct mgmt_addr *addr, uint16_t code, int64_t deadline,
		  struct policy_reply *out)
{
	memset(out, 0, sizeof(*out));
	out->reason = POLICY_REASON_REFUSED;
	return send_reply(c, index, addr, code, false, NULL, 0, deadline, out);
}

bool policy_note_auth_failed(struct policy_state *st, uint16_t index,
			     const bdaddr_t *dev)
{
	struct policy_device *d = find_dev(st, index, dev, false);

	if (!d || !d->pin_out)
		return false;
	d->pin_out = false;
	d->failed++;
	return true;
}

bool policy_note_event(struct policy_state *st, const struct mgmt_event *ev)
{
	struct policy_device *d;

	switch (ev->code) {
	case MGMT_EV_AUTH_FAILED:
		return policy_note_auth_failed(st, ev->index,
					       &ev->auth_failed.addr.bdaddr);
	case MGMT_EV_NEW_LINK_KEY:
		d = find_dev(st, ev->index, &ev->new_link_key.key.addr.bdaddr,
			     false);
		if (d)
			d->used = false;
		return false;
	default:
		return false;
	}
}

bool policy_pins_left(const struct policy_state *st, uint16_t index,
		      const bdaddr_t *dev, size_t count)
{
	for (size_t i = 0; i < POLICY_MAX_DEVICES; i++) {
		const struct policy_device *d = &st->dev[i];

		if (d->used && d->index == index && bt_addr_equal(&d->dev, dev))
			return d->failed < count;
	}
	return count > 0;
}
