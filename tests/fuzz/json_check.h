/*
 * A strict JSON checker for the fuzzers' oracles (RFC 8259, and RFC 3629
 * UTF-8): what btpair prints with --json must be one valid object per line.
 */
#ifndef BTPAIR_TESTS_FUZZ_JSON_CHECK_H
#define BTPAIR_TESTS_FUZZ_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether text (len bytes) is exactly one JSON object, with whitespace
 * around it at most: strings well-formed UTF-8 with no raw control
 * character, escapes valid (a \u surrogate only as half of a pair),
 * numbers as the grammar has them, nesting at most 32 deep.
 */
bool json_check_object(const char *text, size_t len);

/* Abort unless each line of out (len bytes, every line ended by '\n') is
 * a JSON object as json_check_object() says. */
void json_check_lines(const char *out, size_t len);

/* Abort unless the checker takes a few valid objects and refuses a few
 * invalid ones: an oracle that accepts everything checks nothing. */
void json_check_self_test(void);

#endif
