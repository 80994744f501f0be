/* A private temporary directory for a fuzz target, removed at exit. */
#ifndef BTPAIR_TESTS_FUZZ_TMPDIR_H
#define BTPAIR_TESTS_FUZZ_TMPDIR_H

/*
 * Make "BASE/btpair-fuzz-NAME.XXXXXX" (BASE: $FUZZ_TMPDIR, else /dev/shm,
 * a tmpfs where every fsync is cheap, else /tmp) and have it removed, with
 * everything in it, when the process exits. Aborts on failure. Returns the
 * path, valid for the life of the process.
 */
const char *fuzz_tmpdir(const char *name);

#endif
