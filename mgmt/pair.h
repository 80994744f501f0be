/*
 * The pairing procedure: Pair Device, answering the kernel's PIN, confirmation
 * and passkey requests for that one device on that one controller, until Pair
 * Device's reply, a deadline, or an interruption (which cancels the pairing).
 */
#ifndef BTPAIR_MGMT_PAIR_H
#define BTPAIR_MGMT_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mgmt/client.h"
#include "mgmt/policy.h"
#include "mgmt/wire.h"

/* What to do with a numeric-comparison confirmation (Just Works requests,
 * confirm_hint 1, are always accepted): the policy's, by pair's names. */
enum pair_confirm {
	PAIR_CONFIRM_REFUSE = POLICY_CONFIRM_REFUSE,
	PAIR_CONFIRM_ACCEPT = POLICY_CONFIRM_ACCEPT,
	PAIR_CONFIRM_ASK = POLICY_CONFIRM_ASK, /* call ask_confirm */
};

/* Where a pairing stands, for a caller that shows progress. */
enum pair_phase {
	PAIR_PHASE_CONNECTING, /* Pair Device sent: paging the device */
	PAIR_PHASE_CONNECTED,  /* the link is up: the device's request next */
	PAIR_PHASE_ANSWERED,   /* a request answered: the result next */
};

struct pair_callbacks {
	/* The pairing reached phase (may be NULL). */
	void (*phase)(void *data, enum pair_phase phase);
	/* The passkey to show, for the user to type on the other device. */
	void (*passkey_notify)(void *data, const struct mgmt_addr *addr,
			       uint32_t passkey, uint8_t entered);
	/* Numeric comparison under PAIR_CONFIRM_ASK: true accepts. */
	bool (*ask_confirm)(void *data, const struct mgmt_addr *addr,
			    uint32_t value, int64_t deadline);
	/* Every New Link Key for the device, as the kernel hands it over. */
	void (*new_link_key)(void *data, uint16_t index,
			     const struct mgmt_link_key *key,
			     uint8_t store_hint);
};

struct pair_params {
	uint16_t index;
	struct mgmt_addr addr;
	uint8_t io_cap;
	/* PINs to try in turn: the next one after each authentication failure
	 * that followed a PIN (the rule in mgmt/policy.h). Each 1..16
	 * bytes. */
	const char *const *pins;
	size_t pin_count;
	bool have_passkey;
	uint32_t passkey;
	enum pair_confirm confirm;
	int64_t deadline;
	const struct pair_callbacks *cb;
	void *cb_data;
};

enum pair_outcome {
	PAIR_OUTCOME_PAIRED,
	PAIR_OUTCOME_ALREADY_PAIRED,
	PAIR_OUTCOME_FAILED,	  /* Pair Device failed: see status and flags */
	PAIR_OUTCOME_TIMEOUT,	  /* deadline passed; pairing cancelled */
	PAIR_OUTCOME_INTERRUPTED, /* wakeup fd fired; pairing cancelled */
	PAIR_OUTCOME_ERROR,	  /* local failure: see err */
};

struct pair_result {
	enum pair_outcome outcome;
	int err;	/* -errno with PAIR_OUTCOME_ERROR */
	uint8_t status; /* Pair Device's mgmt status */
	bool pin_requested;
	unsigned int pins_sent;
	bool pin_missing;	 /* a PIN was asked and none was left */
	bool pin_secure_refused; /* Secure flag set, no 16-byte PIN */
	bool confirm_refused;
	bool passkey_missing;
	bool reply_rejected; /* our reply failed: another answered first */
	bool auth_failed;    /* an Authentication Failed event came */
	uint8_t auth_status;
	bool disconnected;
	uint8_t disconnect_reason;
	bool key_received;
	uint8_t key_type;
	uint8_t store_hint;
	bool link_ended; /* the link the pairing made was ended after it */
};

/*
 * Make the controller ready to pair: bondable (without it the kernel drops
 * the key) and powered. Returns 0 with *status the mgmt status of the first
 * command that failed (MGMT_STATUS_SUCCESS if none), or -errno from the
 * client. *info gets the controller's information, its settings as they
 * are afterwards.
 */
int pair_prepare_controller(struct mgmt_client *c, uint16_t index,
			    int64_t deadline, uint8_t *status,
			    struct mgmt_controller_info *info);

/*
 * Run the pairing. Returns 0 when res->outcome says what happened (every
 * outcome, failures included); the procedure itself cannot fail otherwise.
 * A successful pairing that made its own link ends that link (Disconnect)
 * before returning, so that the next connect, by any program, starts on a
 * fresh link; a link that was up before the pairing is left alone.
 */
int pair_device(struct mgmt_client *c, const struct pair_params *p,
		struct pair_result *res);

/*
 * Answer one event as pair_device() would -- PIN, confirmation and passkey
 * requests for p's device, its new link keys and authentication failures,
 * recorded in res -- for a pairing that something else started, such as an
 * RFCOMM connect to a device that demands an authenticated link. No Pair
 * Device is sent or awaited: p->deadline only bounds the replies. *st is
 * the policy's memory of the PINs tried, kept by the caller across calls
 * (start zeroed). Returns 0, or -errno when a reply could not be sent.
 */
int pair_answer_event(struct mgmt_client *c, const struct pair_params *p,
		      struct pair_result *res, struct policy_state *st,
		      const struct mgmt_event *ev);

#endif
