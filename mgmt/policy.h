/*
 * The pairing policy: which answer goes back to a PIN Code, User
 * Confirmation or User Passkey Request, and the one place that sends it,
 * for every path that answers one (pair, connect, agent). The caller says
 * whose requests are its own (pair and connect: the device they pair; the
 * agent: the controllers it serves) and fills a struct policy; the policy
 * decides, replies, and says why, for the caller to report.
 *
 * PIN order and retry (the rule pair/connect and the agent used to differ
 * on: pair/connect moved on after each PIN sent, the agent after each
 * authentication failure of the device, whatever its cause). A device's
 * PINs are offered in turn; the next one only after an authentication
 * failure that followed a PIN of ours to that device: an Authentication
 * Failed event for it, or Pair Device ending in Authentication Failed (the
 * kernel sends the event to every socket but the one that paired). One PIN
 * fails once, however many ways the failure is reported. A request again
 * with no failure in between (the link dropped, the device asked twice)
 * gets the same PIN again: it was not shown wrong. A failure with no PIN of
 * ours outstanding (SSP, a stored key the device refused, a refusal) uses
 * up no PIN. Once every PIN has failed, the device's PIN requests are
 * refused (lockout) until a new link key for it arrives or the state is
 * dropped (the command ends, the agent restarts).
 *
 * Confirmation: Just Works (confirm_hint 1) is accepted; numeric comparison
 * as the caller's enum policy_confirm says. Passkey entry: the caller's
 * passkey, else refused. A device the allow callback refuses gets a
 * refusal to every request, Just Works included.
 */
#ifndef BTPAIR_MGMT_POLICY_H
#define BTPAIR_MGMT_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/client.h"
#include "mgmt/wire.h"

/* Devices whose PIN attempts are remembered at once; a new one beyond
 * that takes the place of the first slot. */
#define POLICY_MAX_DEVICES 64

/* What to do with a numeric-comparison confirmation. */
enum policy_confirm {
	POLICY_CONFIRM_REFUSE,
	POLICY_CONFIRM_ACCEPT,
	POLICY_CONFIRM_ASK, /* call ask_confirm */
};

struct policy {
	/* PINs to try in turn, each 1..16 bytes. */
	const char *const *pins;
	size_t pin_count;
	bool have_passkey;
	uint32_t passkey;
	enum policy_confirm confirm;
	/* Whether to answer this device at all (NULL: every device). */
	bool (*allowed)(void *data, uint16_t index, const bdaddr_t *dev);
	/*
	 * The device's PINs, looked up for each PIN request (a PIN file read
	 * afresh), used instead of pins/pin_count; NULL: those. Returns 0, or
	 * -errno to refuse the request. What it hands back must live until
	 * policy_answer() returns.
	 */
	int (*lookup_pins)(void *data, uint16_t index, const bdaddr_t *dev,
			   const char *const **pins, size_t *count);
	/* Numeric comparison under POLICY_CONFIRM_ASK: true accepts. */
	bool (*ask_confirm)(void *data, const struct mgmt_addr *addr,
			    uint32_t value, int64_t deadline);
	void *data;
};

/* The policy's memory of each device's PIN attempts; start zeroed. */
struct policy_state {
	struct policy_device {
		bool used;
		bool pin_out; /* a PIN was sent and has not failed yet */
		uint16_t index;
		bdaddr_t dev;
		unsigned int failed; /* PINs that failed: the next to offer */
	} dev[POLICY_MAX_DEVICES];
};

/* Why the answer was what it was. */
enum policy_reason {
	POLICY_REASON_ANSWERED,	   /* PIN, acceptance or passkey sent */
	POLICY_REASON_NOT_ALLOWED, /* allowed() said no */
	POLICY_REASON_PIN_LOOKUP,  /* lookup_pins() failed */
	POLICY_REASON_NO_PIN,	   /* no PIN for the device at all */
	POLICY_REASON_PINS_FAILED, /* each of its PINs failed: lockout */
	POLICY_REASON_SECURE_PIN,  /* Secure flag set, no 16-byte PIN */
	POLICY_REASON_CONFIRM,	   /* numeric comparison not accepted */
	POLICY_REASON_NO_PASSKEY,  /* no passkey to enter */
	POLICY_REASON_REFUSED,	   /* policy_refuse() */
};

/* What policy_answer() or policy_refuse() did. */
struct policy_reply {
	enum policy_reason reason;
	uint16_t opcode;  /* the reply sent */
	bool accepted;	  /* a PIN, acceptance or passkey, not a refusal */
	bool just_works;  /* a confirmation with confirm_hint 1 */
	size_t pin_count; /* the device's PINs, for a PIN request */
	unsigned int pin; /* which of them was sent, when accepted */
	bool lost;	  /* the kernel's answer to the reply was lost */
	bool rejected;	  /* the kernel refused the reply (status below):
			   * another program answered first, or the link
			   * is gone */
	uint8_t status;
};

/*
 * Answer one PIN Code, User Confirmation or User Passkey Request event as
 * the policy says, sending the reply and waiting for its Command Complete
 * until deadline. Returns 0 with *out filled, -EINVAL for any other event
 * (nothing sent), or -errno when the reply could not be sent.
 */
int policy_answer(struct mgmt_client *c, const struct policy *p,
		  struct policy_state *st, const struct mgmt_event *ev,
		  int64_t deadline, struct policy_reply *out);

/*
 * Refuse a request of kind code (one of the three request events) from
 * addr on index, whatever the policy: a request the caller noted and
 * leaves unanswered. Returns 0 with *out filled, or -errno.
 */
int policy_refuse(struct mgmt_client *c, uint16_t index,
		  const struct mgmt_addr *addr, uint16_t code, int64_t deadline,
		  struct policy_reply *out);

/*
 * Note what bears on the PIN order: an Authentication Failed event spends
 * the PIN outstanding, a New Link Key event starts the device's PINs
 * over. Other events are ignored. Returns true when the event spent a PIN
 * of ours.
 */
bool policy_note_event(struct policy_state *st, const struct mgmt_event *ev);

/*
 * An authentication failure for dev reported otherwise (Pair Device's
 * status). Returns true when it spent a PIN of ours.
 */
bool policy_note_auth_failed(struct policy_state *st, uint16_t index,
			     const bdaddr_t *dev);

/* Whether the device has a PIN left to try (of count). */
bool policy_pins_left(const struct policy_state *st, uint16_t index,
		      const bdaddr_t *dev, size_t count);

#endif
