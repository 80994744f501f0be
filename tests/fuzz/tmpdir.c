#include "tests/fuzz/tmpdir.h"

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char root[PATH_MAX];

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_root(void)
{
	nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(const char *name)
{
	const char *base = getenv("FUZZ_TMPDIR");

	if (!base)
		base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	if ((size_t)snprintf(root, sizeof(root), "%s/btpair-fuzz-%s.XXXXXX",
			     base, name) >= sizeof(root) ||
	    !mkdtemp(root))
		abort();
	atexit(remove_root);
	return root;
}
