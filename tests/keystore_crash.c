/*
 * The key store under SIGKILL and under concurrent writers.
 *
 *     keystore_crash [KILLS [OPS]]
 *
 * Kills: a child loops keystore_save and keystore_remove over four devices
 * (two whose info has a group of bluetoothd's, two with nothing else) and
 * is killed at a random moment, KILLS times. After each kill every info
 * must parse, hold the key of the last operation that returned (or of the
 * one under way), and keep bluetoothd's group; a removed key must not come
 * back. A kill may leave a temporary file in the moment between its link
 * and its rename: the next operation on that device must delete it, and
 * none may be left at the end.
 *
 * Ops: a saver, a remover and a foreign writer (read, change its own
 * group, write info.XXXXXX, rename over info, as bluetoothd does, with no
 * lock), OPS operations each at once on one device, and the saver and the
 * remover on a second device. btpair must never fail, never undo the
 * foreign writer's change (it counts its group back each time it reads)
 * and every read must parse.
 *
 * Prints the figures and exits 1 if any of them is wrong.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "keystore/keystore.h"
#include "lib/file.h"
#include "mgmt/addr.h"

#define NDEV 4
#define CTRL "00:AA:01:00:00:00"

static char store[256];
static bdaddr_t ctrl;

/* Where the killed child got to: the operation it started last and the
 * last one that returned. */
struct progress {
	volatile uint64_t started, done;
};

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static void dev_addr(int i, bdaddr_t *a)
{
	char s[BT_ADDR_STRLEN];

	snprintf(s, sizeof(s), "98:D3:31:F5:1A:%02X", 0x20 + i);
	bt_addr_parse(s, a);
}

static void dev_dir(int i, char *out, size_t size)
{
	char s[BT_ADDR_STRLEN];
	bdaddr_t a;

	dev_addr(i, &a);
	snprintf(out, size, "%s/" CTRL "/%s", store, bt_addr_format(&a, s));
}

/* Operation j: which device, save or remove, and the key a save stores
 * (its value says j). */
static int op_dev(uint64_t j)
{
	return (int)(mix(j) % NDEV);
}

static bool op_is_save(uint64_t j)
{
	return mix(j) / NDEV % 3 != 0;
}

static struct mgmt_link_key op_key(uint64_t j)
{
	struct mgmt_link_key k = { .type = (uint8_t)(j % 9),
				   .pin_len = (uint8_t)(j % 17) };

	dev_addr(op_dev(j), &k.addr.bdaddr);
	k.addr.type = MGMT_ADDR_BREDR;
	for (int i = 0; i < 8; i++) {
		k.val[i] = (uint8_t)(j >> (8 * i));
		k.val[8 + i] = (uint8_t)~k.val[i];
	}
	return k;
}

static int run_op(uint64_t j)
{
	struct mgmt_link_key k = op_key(j);

	if (op_is_save(j))
		return keystore_save(store, &ctrl, &k);
	return keystore_remove(store, &ctrl, &k.addr.bdaddr);
}

/* The text of a whole file, NULL if there is none. */
static char *slurp(const char *path, size_t *len)
{
	char *text;

	if (file_read_path(path, O_NOFOLLOW, 1 << 20, -EBADMSG, &text, len) < 0)
		return NULL;
	return text;
}

enum state { ABSENT = -1, CORRUPT = -2 };

/* What device i's info holds: the j of its key, ABSENT or CORRUPT;
 * *foreign whether bluetoothd's group is still there. */
static int64_t observe(int i, bool *foreign)
{
	char path[512], want[32];
	struct mgmt_link_key k, want_key;
	uint64_t j = 0;
	size_t len;
	char *text;
	int err;

	dev_dir(i, path, sizeof(path));
	strcat(path, "/info");
	text = slurp(path, &len);
	*foreign = false;
	if (!text)
		return ABSENT;
	snprintf(want, sizeof(want), "Name=Dev%d\n", i);
	*foreign = strstr(text, want) != NULL;
	err = keystore_parse(text, len, &k);
	free(text);
	if (err == -ENOENT)
		return ABSENT;
	if (err < 0)
		return CORRUPT;
	for (int b = 0; b < 8; b++)
		j |= (uint64_t)k.val[b] << (8 * b);
	want_key = op_key(j);
	if (memcmp(want_key.val, k.val, sizeof(k.val)) ||
	    k.type != want_key.type || k.pin_len != want_key.pin_len)
		return CORRUPT;
	return (int64_t)j;
}

static void plant_foreign(int i)
{
	char path[512], text[64];
	FILE *f;

	dev_dir(i, path, sizeof(path));
	mkdir(path, 0700);
	strcat(path, "/info");
	snprintf(text, sizeof(text), "[General]\nName=Dev%d\n", i);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

/* The temporaries seen by the last look, so that one left by a kill is
 * counted once however many kills pass before the next operation on its
 * device. */
struct names {
	char (*name)[32];
	int n, cap;
};

static struct names seen_temps, now_temps;

static bool seen_before(const char *name)
{
	bool found = false;

	for (int i = 0; i < seen_temps.n; i++)
		found = found || !strcmp(seen_temps.name[i], name);
	if (now_temps.n == now_temps.cap) {
		now_temps.cap = now_temps.cap ? 2 * now_temps.cap : 64;
		now_temps.name = realloc(now_temps.name,
					 (size_t)now_temps.cap * 32);
		if (!now_temps.name) {
			perror("realloc");
			exit(2);
		}
	}
	snprintf(now_temps.name[now_temps.n++], 32, "%.31s", name);
	return found;
}

/* Files in device directories other than info: btpair's temporaries
 * (.info.*) not there at the last look, and anything else. */
static void strays(int *temps, int *others)
{
	struct names swap;

	now_temps.n = 0;

	char path[1024], cdir[300];
	struct dirent *ce, *de;
	DIR *c, *d;

	*temps = *others = 0;
	snprintf(cdir, sizeof(cdir), "%s/" CTRL, store);
	c = opendir(cdir);
	if (!c)
		return;
	while ((ce = readdir(c))) {
		if (ce->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cdir, ce->d_name);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") ||
			    !strcmp(de->d_name, "..") ||
			    !strcmp(de->d_name, "info"))
				continue;
			if (!strncmp(de->d_name, ".info.", 6)) {
				if (!seen_before(de->d_name))
					(*temps)++;
			} else
				(*others)++;
		}
		closedir(d);
	}
	closedir(c);
	swap = seen_temps;
	seen_temps = now_temps;
	now_temps = swap;
}

static void child_loop(struct progress *p, uint64_t next)
{
	for (uint64_t j = next;; j++) {
		p->started = j;
		__sync_synchronize();
		run_op(j);
		__sync_synchronize();
		p->done = j;
	}
}

struct kill_figures {
	long kills, corrupt, lost, resurrected, left, strays, stray_end;
};

static void kills(long n, struct kill_figures *f)
{
	struct progress *p;
	int64_t model[NDEV];
	uint64_t next = 1;
	unsigned int seed = (unsigned int)getpid();

	p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	for (int i = 0; i < NDEV; i++)
		model[i] = ABSENT;
	plant_foreign(0);
	plant_foreign(1);
	for (long k = 0; k < n; k++) {
		struct timespec ts = { 0, 0 };
		int status, temps, others;
		pid_t pid;

		p->started = p->done = next - 1;
		pid = fork();
		if (pid < 0) {
			perror("fork");
			exit(2);
		}
		if (pid == 0)
			child_loop(p, next);
		/* Anywhere in the first few operations, fork included. */
		ts.tv_nsec = (long)(rand_r(&seed) % 4000) * 1000;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		f->kills++;
		for (uint64_t j = next; j <= p->done; j++)
			model[op_dev(j)] = op_is_save(j) ? (int64_t)j : ABSENT;
		for (int i = 0; i < NDEV; i++) {
			bool inflight = p->started > p->done &&
					op_dev(p->started) == i;
			int64_t post = op_is_save(p->started) ?
					       (int64_t)p->started :
					       ABSENT;
			bool foreign;
			int64_t seen = observe(i, &foreign);

			if (seen == CORRUPT) {
				f->corrupt++;
			} else if (seen == model[i] ||
				   (inflight && seen == post)) {
				/* as it should be */
			} else if (seen == ABSENT) {
				f->lost++;
			} else {
				f->resurrected++;
			}
			if (i < 2 && !foreign) {
				f->lost++;
				plant_foreign(i);
			}
			model[i] = seen == CORRUPT ? model[i] : seen;
		}
		strays(&temps, &others);
		f->left += temps;
		f->strays += others;
		next = (p->started > p->done ? p->started : p->done) + 1;
	}
	/* Every device once more: whatever a kill left must go. */
	for (int i = 0; i < NDEV; i++) {
		struct mgmt_link_key k = op_key(next + (uint64_t)i);
		bdaddr_t a;

		dev_addr(i, &a);
		k.addr.bdaddr = a;
		if (model[i] == ABSENT)
			keystore_remove(store, &ctrl, &a);
		else
			keystore_save(store, &ctrl, &k);
	}
	{
		int temps, others;

		seen_temps.n = 0; /* every one counts now */
		strays(&temps, &others);
		f->stray_end = temps + others;
	}
	munmap(p, sizeof(*p));
}

/* ---- Concurrent writers ---- */

#define FDEV 10 /* the device the foreign writer shares */
#define SDEV 11 /* saver and remover only */

struct foreign_figures {
	long corrupt, undone, moment, regone;
};

/* info's text, "" when there is none; *corrupt counted up if it does not
 * parse. */
static char *foreign_read(const char *path, size_t *len, long *corrupt)
{
	struct mgmt_link_key k;
	char *text = slurp(path, len);

	if (!text) {
		*len = 0;
		text = strdup("");
		if (!text)
			exit(252);
	}
	if (*text && keystore_parse(text, *len, &k) == -EBADMSG)
		(*corrupt)++;
	return text;
}

/*
 * The foreign writer's read-modify-write, n times: its own [Foreign] group
 * counted up, every other byte as read. It counts the times it found its
 * last count gone: for good (undone), or only for a moment (a save that
 * caught its rename between its last look and its own puts its file back
 * at once, and a read in that moment misses the count). Returns 0, or
 * 251+ on an error.
 */
static int foreign_writer(long n, struct foreign_figures *ff)
{
	char ddir[512], path[600], tmp[600];

	dev_dir(FDEV, ddir, sizeof(ddir));
	snprintf(path, sizeof(path), "%s/info", ddir);
	for (long c = 1; c <= n; c++) {
		size_t len = 0, out_len = 0;
		char *text = foreign_read(path, &len, &ff->corrupt), *out, *g,
		     *end, want[48];
		int fd;

		snprintf(want, sizeof(want), "[Foreign]\nCount=%ld\n", c - 1);
		if (c > 1 && !strstr(text, want)) {
			struct timespec ts = { 0, 20 * 1000 * 1000 };

			nanosleep(&ts, NULL);
			free(text);
			text = foreign_read(path, &len, &ff->corrupt);
			if (strstr(text, want))
				ff->moment++;
			else
				ff->undone++;
		}
		/* Its group out, then in again at the end, counted up. */
		g = strstr(text, "[Foreign]\n");
		if (g) {
			end = strchr(g + 10, '[');
			memmove(g, end ? end : g + strlen(g),
				strlen(end ? end : g + strlen(g)) + 1);
		}
		out = malloc(strlen(text) + 64);
		if (!out)
			return 252;
		out_len = (size_t)sprintf(
			out, "%s%s[Foreign]\nCount=%ld\n", text,
			*text && text[strlen(text) - 1] != '\n' ? "\n" : "", c);
		free(text);
		/* bluetoothd makes the directory each time it writes. A
		 * remove that found it empty can take it away again before
		 * the file is made in it (the device was unpaired meanwhile):
		 * that is counted, and it is made once more. */
		for (int tries = 0;; tries++) {
			mkdir(ddir, 0700);
			snprintf(tmp, sizeof(tmp), "%s/info.XXXXXX", ddir);
			fd = mkstemp(tmp);
			if (fd >= 0 || errno != ENOENT || tries == 100)
				break;
			ff->regone++;
		}
		/* fsync as GLib's g_file_set_contents does when it replaces
		 * a file. */
		if (fd < 0 || write(fd, out, out_len) != (ssize_t)out_len ||
		    fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
			perror(tmp);
			return 251;
		}
		free(out);
	}
	return 0;
}

struct op_figures {
	long ops, failed, undone, moment, corrupt, stray, regone;
	bool final_lost;
};

/* One of btpair's writers: n saves (or removes) of FDEV and SDEV; exit
 * status how many failed. */
static int btpair_writer(long n, bool save)
{
	long failed = 0;

	for (long c = 1; c <= n; c++) {
		for (int i = FDEV; i <= SDEV; i++) {
			struct mgmt_link_key k = op_key((uint64_t)c);
			int err;

			dev_addr(i, &k.addr.bdaddr);
			err = save ? keystore_save(store, &ctrl, &k) :
				     keystore_remove(store, &ctrl,
						     &k.addr.bdaddr);
			if (err < 0 && !(err == -ENOENT && !save)) {
				if (failed < 5)
					fprintf(stderr, "%s: %s\n",
						save ? "save" : "remove",
						strerror(-err));
				failed++;
			}
		}
	}
	return failed > 250 ? 250 : (int)failed;
}

static void ops(long n, struct op_figures *f)
{
	char ddir[512], path[600], want[48];
	int temps, others, status;
	struct foreign_figures ff = { 0 };
	int pipefd[2];
	pid_t pids[3];
	size_t len;
	char *text;

	dev_dir(FDEV, ddir, sizeof(ddir));
	mkdir(ddir, 0700);
	if (pipe(pipefd) < 0) {
		perror("pipe");
		exit(2);
	}
	for (int w = 0; w < 3; w++) {
		pids[w] = fork();
		if (pids[w] < 0) {
			perror("fork");
			exit(2);
		}
		if (pids[w] == 0) {
			int r;

			if (w == 2) {
				r = foreign_writer(n, &ff);
				if (write(pipefd[1], &ff, sizeof(ff)) < 0)
					r = 253;
			} else {
				r = btpair_writer(n, w == 0);
			}
			_exit(r);
		}
	}
	close(pipefd[1]);
	for (int w = 0; w < 3; w++) {
		waitpid(pids[w], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) > 250) {
			fprintf(stderr, "writer %d ended badly\n", w);
			f->failed++;
			continue;
		}
		if (w < 2)
			f->failed += WEXITSTATUS(status);
	}
	if (read(pipefd[0], &ff, sizeof(ff)) == sizeof(ff)) {
		f->corrupt += ff.corrupt;
		f->undone += ff.undone;
		f->moment += ff.moment;
		f->regone += ff.regone;
	} else {
		f->failed++;
	}
	close(pipefd[0]);
	f->ops = n;
	/* The foreign writer's last change is there at the end. */
	snprintf(path, sizeof(path), "%s/info", ddir);
	text = slurp(path, &len);
	snprintf(want, sizeof(want), "[Foreign]\nCount=%ld\n", n);
	f->final_lost = n > 0 && (!text || !strstr(text, want));
	free(text);
	seen_temps.n = 0;
	strays(&temps, &others);
	f->stray = temps + others;
}

int main(int argc, char **argv)
{
	long nkills = argc > 1 ? atol(argv[1]) : 1000;
	long nops = argc > 2 ? atol(argv[2]) : 1000;
	const char *tmpdir = getenv("TMPDIR");
	struct kill_figures kf = { 0 };
	struct op_figures of = { 0 };
	char cmd[300];
	bool ok;

	snprintf(store, sizeof(store), "%s/btpair-crash-XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(store) || bt_addr_parse(CTRL, &ctrl) < 0) {
		perror(store);
		return 2;
	}
	snprintf(cmd, sizeof(cmd), "%s/" CTRL, store);
	if (mkdir(cmd, 0700) < 0) {
		perror(cmd);
		return 2;
	}
	kills(nkills, &kf);
	ops(nops, &of);
	printf("keystore_crash: %ld kills: corrupt %ld, lost %ld, "
	       "resurrected %ld, stray %ld at the end (temporaries a kill "
	       "left until the next operation: %ld, other files: %ld)\n",
	       kf.kills, kf.corrupt, kf.lost, kf.resurrected, kf.stray_end,
	       kf.left, kf.strays);
	printf("keystore_crash: %ld ops each of save, remove and a foreign "
	       "writer: failed %ld, undone %ld%s (for a moment: %ld), "
	       "corrupt %ld, stray %ld (its directory removed under it: "
	       "%ld)\n",
	       of.ops, of.failed, of.undone,
	       of.final_lost ? " (and its last change lost)" : "", of.moment,
	       of.corrupt, of.stray, of.regone);
	ok = kf.corrupt == 0 && kf.lost == 0 && kf.resurrected == 0 &&
	     kf.stray_end == 0 && kf.strays == 0 && of.failed == 0 &&
	     of.undone == 0 && !of.final_lost && of.corrupt == 0 &&
	     of.stray == 0;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", store);
	if (system(cmd) != 0)
		ok = false;
	free(seen_temps.name);
	free(now_temps.name);
	return ok ? 0 : 1;
}
