/*
 * The kernel's side of a mgmt socket for fuzz targets: a thread that sends
 * a stream of mgmt frames on one end of a socketpair, then ends the stream,
 * and swallows whatever commands arrive until the other end is closed.
 */
#ifndef BTPAIR_TESTS_FUZZ_FEEDER_H
#define BTPAIR_TESTS_FUZZ_FEEDER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct feeder {
	int fd; /* the kernel's end */
	const uint8_t *data;
	size_t size;
	pthread_t thread;
};

/*
 * Make the socketpair, returning the client's end (for mgmt_client_new or
 * as the mgmt socket), and start sending data: frames back to back, each a
 * 6-byte header and the parameter length it announces (the last one may be
 * cut short). data must outlive feeder_stop(). Aborts on failure.
 */
int feeder_start(struct feeder *f, const uint8_t *data, size_t size);
/* Wait for the thread (the client's end must be closed first) and close
 * the kernel's end. */
void feeder_stop(struct feeder *f);

/* Calls fn for each frame of data, split as feeder_start splits it. */
void feeder_each_frame(const uint8_t *data, size_t size,
		       void (*fn)(const uint8_t *frame, size_t len));

#endif
