/*
 * A fake kernel for unit tests: the other end of a SOCK_SEQPACKET socketpair,
 * playing a script of expected commands and events to send in a thread, so
 * that blocking client code runs unchanged against it.
 */
#ifndef BTPAIR_TESTS_FAKE_KERNEL_H
#define BTPAIR_TESTS_FAKE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fk_kind {
	FK_END,
	FK_EXPECT,  /* a command: opcode, index and, if given, exact params */
	FK_SEND,    /* an event: code, index, params */
	FK_RAW,	    /* bytes as they are, header and all (malformed packets) */
	FK_SLEEP,   /* ms */
	FK_CLOSE,   /* close the kernel's end */
	FK_SILENCE, /* no command may arrive for ms */
	FK_POKE,    /* write a byte to the fd in ms (a test's wakeup pipe) */
};

struct fk_step {
	enum fk_kind kind;
	uint16_t code;
	uint16_t index;
	const uint8_t *param;
	size_t len;
	int ms;
};

/* Initializers of struct fk_step: clang-format takes their braces for
 * blocks. */
/* clang-format off */
#define FK_BYTES(...) (const uint8_t[]){ __VA_ARGS__ }
#define FK_NBYTES(...) sizeof((const uint8_t[]){ __VA_ARGS__ })

#define FK_EXPECT_CMD(op, idx)                                                 \
	{ .kind = FK_EXPECT, .code = (op), .index = (idx) }
#define FK_EXPECT_BYTES(op, idx, ...)                                          \
	{ .kind = FK_EXPECT, .code = (op), .index = (idx),                     \
	  .param = FK_BYTES(__VA_ARGS__), .len = FK_NBYTES(__VA_ARGS__) }
#define FK_EVENT(ev, idx, ...)                                                 \
	{ .kind = FK_SEND, .code = (ev), .index = (idx),                       \
	  .param = FK_BYTES(__VA_ARGS__), .len = FK_NBYTES(__VA_ARGS__) }
#define FK_EVENT0(ev, idx) { .kind = FK_SEND, .code = (ev), .index = (idx) }
/* Command Complete (event 0x0001) for op with status and return params. */
#define FK_COMPLETE(op, idx, status, ...)                                      \
	FK_EVENT(0x0001, idx, (op) & 0xff, (op) >> 8, status, ##__VA_ARGS__)
#define FK_STATUS(op, idx, status)                                             \
	FK_EVENT(0x0002, idx, (op) & 0xff, (op) >> 8, status)
#define FK_RAW_BYTES(...)                                                      \
	{ .kind = FK_RAW, .param = FK_BYTES(__VA_ARGS__),                      \
	  .len = FK_NBYTES(__VA_ARGS__) }
#define FK_SLEEP_MS(n) { .kind = FK_SLEEP, .ms = (n) }
#define FK_SILENT_MS(n) { .kind = FK_SILENCE, .ms = (n) }
#define FK_POKE_FD(fd) { .kind = FK_POKE, .ms = (fd) }
#define FK_CLOSE_END { .kind = FK_CLOSE }
#define FK_DONE { .kind = FK_END }
/* clang-format on */

struct fake_kernel;

/* Make the socketpair; *client_fd is the end to give mgmt_client_new(). */
struct fake_kernel *fk_new(int *client_fd);
/* Play steps (terminated by FK_END) in a thread. The array must outlive
 * fk_join(). */
void fk_start(struct fake_kernel *fk, const struct fk_step *steps);
/*
 * Wait for the script to finish (at most a few seconds) and free
 * everything. Returns true if every step went as scripted; otherwise
 * writes what went wrong to err.
 */
bool fk_finish(struct fake_kernel *fk, char *err, size_t size);

/* The parameters of the last command the script received. */
size_t fk_last_param(struct fake_kernel *fk, uint8_t *out, size_t size);

/* Write one mgmt message to fd from a test (no thread needed). */
void fk_write(int fd, uint16_t code, uint16_t index, const void *param,
	      size_t len);

#endif
