/*
 * The kernel's side of a mgmt socket for fuzz targets: one end of a
 * socketpair on which a stream of mgmt frames is played to the client on
 * the other end, then ended (EOF); the commands the client sends are read
 * and dropped.
 *
 * The frames are sent as the client waits for them, one each time it is
 * about to wait for input on its socket with nothing left to read. The
 * kernel answers a command only after it was sent, and the mgmt client
 * takes as a reply only what arrives after its command (what was waiting
 * is queued before it sends): a stream sent all at once would answer
 * nothing after the first command. No thread: the frames go out from the
 * client's own wait (time_wait_fd, which the target must wrap with
 * -Wl,--wrap=time_wait_fd; feeder_start aborts otherwise), so a run is the
 * same every time.
 */
#ifndef BTPAIR_TESTS_FUZZ_FEEDER_H
#define BTPAIR_TESTS_FUZZ_FEEDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct feeder {
	int fd;	       /* the kernel's end */
	int client_fd; /* the other */
	const uint8_t *data;
	size_t size, pos;
	bool ended; /* all sent, and the stream shut */
};

/*
 * Make the socketpair, returning the client's end (for mgmt_client_new or
 * as the mgmt socket), to play data: frames back to back, each a 6-byte
 * header and the parameter length it announces (the last one may be cut
 * short). data must outlive feeder_stop(). Aborts on failure.
 */
int feeder_start(struct feeder *f, const uint8_t *data, size_t size);
/* Close the kernel's end (the client closes its own). */
void feeder_stop(struct feeder *f);

/* Calls fn for each frame of data, split as feeder_start splits it. */
void feeder_each_frame(const uint8_t *data, size_t size,
		       void (*fn)(const uint8_t *frame, size_t len));

#endif
