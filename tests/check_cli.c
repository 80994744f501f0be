/* The CLI's helpers: PIN sources, number and index parsing, JSON output. */
#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/context.h"
#include "cli/keys.h"
#include "cli/output.h"
#include "cli/pin.h"
#include "cli/progress.h"
#include "cli/rfcomm.h"
#include "cli/scan.h"
#include "cli/trace.h"
#include "lib/time.h"
#include "mgmt/client.h"
#include "mgmt/wire.h"
#include "mgmt/addr.h"
#include "tests/fake_kernel.h"

static struct cli cli = { .prog = "btpair", .signal_fd = -1 };
static char path[64];
static struct cli_pins pins;

static void write_file(const char *text, mode_t mode)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/btpair-pins-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

static void teardown(void)
{
	cli_pins_clear(&pins);
	if (path[0])
		unlink(path);
	path[0] = '\0';
}

static int read_for(const char *addr_text)
{
	bdaddr_t addr;

	ck_assert_int_eq(bt_addr_parse(addr_text, &addr), 0);
	return cli_pins_from_file(&cli, &pins, "pair", path, &addr, NULL);
}

static int read_named(const char *addr_text, const char *name)
{
	bdaddr_t addr;

	ck_assert_int_eq(bt_addr_parse(addr_text, &addr), 0);
	return cli_pins_from_file(&cli, &pins, "pair", path, &addr, name);
}

/* Run the parser on text for addr (name may be NULL) with stderr caught in
 * err: returns its exit code. */
static int parse_caught(const char *text, const char *addr_text,
			const char *name, char *err, size_t size)
{
	char err_path[] = "/tmp/btpair-stderr-XXXXXX";
	int fd = mkstemp(err_path), saved, ret;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	write_file(text, 0600);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	ret = addr_text ? read_named(addr_text, name) :
			  cli_pins_from_file(&cli, &pins, "agent", path, NULL,
					     NULL);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, err, size - 1, 0);
	close(fd);
	unlink(err_path);
	err[n > 0 ? n : 0] = '\0';
	return ret;
}

START_TEST(test_single_pin_file)
{
	write_file("# factory PIN\n1234\n", 0600);
	ck_assert_int_eq(read_for("98:D3:31:F5:1A:2B"), CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 1);
	ck_assert_str_eq(pins.pins[0], "1234");
}
END_TEST

START_TEST(test_per_device_then_wildcard)
{
	write_file("* 0000\n"
		   "98:d3:31:f5:1a:2b 1234\r\n"
		   "# another module\n"
		   "00:11:22:33:44:55 9999\n"
		   "\n"
		   "98:D3:31:F5:1A:2B 4321\n",
		   0600);
	ck_assert_int_eq(read_for("98:D3:31:F5:1A:2B"), CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 3);
	ck_assert_str_eq(pins.pins[0], "1234");
	ck_assert_str_eq(pins.pins[1], "4321");
	ck_assert_str_eq(pins.pins[2], "0000");
}
END_TEST

START_TEST(test_unknown_device_gets_wildcard_only)
{
	write_file("98:D3:31:F5:1A:2B 1234\n* 0000\n", 0600);
	ck_assert_int_eq(read_for("AA:BB:CC:DD:EE:FF"), CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 1);
	ck_assert_str_eq(pins.pins[0], "0000");
}
END_TEST

/* A file with no entry for the device is an error up front, naming both. */
START_TEST(test_no_match_is_an_error)
{
	char err[512];

	ck_assert_int_eq(parse_caught("98:D3:31:F5:1A:2B 1234\n",
				      "AA:BB:CC:DD:EE:FF", NULL, err,
				      sizeof(err)),
			 CLI_EXIT_USAGE);
	ck_assert_uint_eq(pins.count, 0);
	ck_assert_msg(strstr(err, "no PIN for AA:BB:CC:DD:EE:FF in /tmp/"),
		      "got: %s", err);
	ck_assert_ptr_null(strstr(err, "1234"));
}
END_TEST

/* Today's bug: a stray first word became every device's PIN. */
START_TEST(test_pin_alone_must_be_the_only_line)
{
	char err[512];

	ck_assert_int_eq(parse_caught("# old\n1234\n98:D3:31:F5:1A:2B 0000\n",
				      "AA:BB:CC:DD:EE:FF", NULL, err,
				      sizeof(err)),
			 CLI_EXIT_USAGE);
	ck_assert_uint_eq(pins.count, 0);
	ck_assert_msg(strstr(err, " line 2: a PIN alone must be"), "got: %s",
		      err);
}
END_TEST

START_TEST(test_names_and_order)
{
	/* Address lines first, then the name's, then '*', each in the
	 * file's order; a name is a case-insensitive glob, quoted when it
	 * has blanks. */
	write_file("* 0000\n"
		   "HC-05* 1111\n"
		   "\"Lab Logger\" 2222\n"
		   "98:D3:31:F5:1A:2B 3333\n"
		   "other 4444\n",
		   0600);
	ck_assert_int_eq(read_named("98:D3:31:F5:1A:2B", "hc-05-lab"),
			 CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 3);
	ck_assert_str_eq(pins.pins[0], "3333");
	ck_assert_str_eq(pins.pins[1], "1111");
	ck_assert_str_eq(pins.pins[2], "0000");
	cli_pins_clear(&pins);
	ck_assert_int_eq(read_named("00:11:22:33:44:55", "lab logger"),
			 CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 2);
	ck_assert_str_eq(pins.pins[0], "2222");
	ck_assert_str_eq(pins.pins[1], "0000");
	cli_pins_clear(&pins);
	/* Name unknown: only the address's and '*' lines can apply. */
	ck_assert_int_eq(read_named("00:11:22:33:44:55", NULL), CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 1);
	ck_assert_str_eq(pins.pins[0], "0000");
}
END_TEST

START_TEST(test_name_only_file)
{
	char err[512];

	ck_assert_int_eq(parse_caught("HC-05 1234\n", "00:11:22:33:44:55",
				      "HC-05", err, sizeof(err)),
			 CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 1);
	teardown();
	ck_assert_int_eq(parse_caught("HC-05 1234\n", "00:11:22:33:44:55",
				      "HC-06", err, sizeof(err)),
			 CLI_EXIT_USAGE);
	ck_assert_msg(strstr(err, "no PIN for 00:11:22:33:44:55 (\"HC-06\")"),
		      "got: %s", err);
}
END_TEST

/* Every error names the file's line, and never shows a PIN. */
START_TEST(test_each_error_names_its_line)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "* 0000\n\n98:D3:31:F5:1A 1234\n",
		  " line 3: invalid address" },
		{ "98:D3:31:F5:1A:2B 1234 extra\n", " line 1: expected" },
		{ "# c\n* 12345678901234567\n",
		  " line 2: a PIN is 1 to 16 bytes (this one has 17)" },
		{ "12345678901234567\n",
		  " line 1: a PIN is 1 to 16 bytes (this one has 17)" },
		{ "\"unterminated 1234\n", " line 1: expected" },
		{ "\"\" 1234\n", " line 1: expected" },
		{ "\"name\"1234\n", " line 1: expected" },
		{ "* 0000\r\n1234\r\n", " line 2: a PIN alone" },
		{ "# only a comment\n\n", "has no PIN" },
		{ "", "has no PIN" },
	};
	char err[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(parse_caught(cases[i].text,
					      "98:D3:31:F5:1A:2B", NULL, err,
					      sizeof(err)),
				 CLI_EXIT_USAGE);
		ck_assert_msg(strstr(err, cases[i].want), "case %zu: got: %s",
			      i, err);
		ck_assert_msg(strstr(err, path), "case %zu: no file: %s", i,
			      err);
		ck_assert_ptr_null(strstr(err, "1234\""));
		ck_assert_uint_eq(pins.count, 0);
		teardown();
	}
}
END_TEST

/* Without an address (the agent at start) the whole file is checked. */
START_TEST(test_check_only)
{
	char err[512];

	ck_assert_int_eq(parse_caught("HC-05 1234\n* 0000\n", NULL, NULL, err,
				      sizeof(err)),
			 CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 0);
	teardown();
	ck_assert_int_eq(parse_caught("HC-05 1234\n* 0000 0\n", NULL, NULL, err,
				      sizeof(err)),
			 CLI_EXIT_USAGE);
	ck_assert_msg(strstr(err, " line 2: expected"), "got: %s", err);
}
END_TEST

/* A writer on the far end of a pipe, as <(command) gives. */
static pid_t pipe_writer(int *rfd, const char *text, size_t repeat)
{
	int p[2];
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		for (size_t i = 0; i < repeat; i++)
			if (write(p[1], text, strlen(text)) < 0)
				_exit(1);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

START_TEST(test_pipe_and_stdin)
{
	char fdpath[64];
	bdaddr_t addr;
	int rfd, status, saved;
	pid_t pid;

	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &addr), 0);
	/* A pipe by path (/dev/fd/N, what <(...) gives). */
	pid = pipe_writer(&rfd, "98:D3:31:F5:1A:2B 1234\n", 1);
	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", rfd);
	ck_assert_int_eq(cli_pins_from_file(&cli, &pins, "pair", fdpath, &addr,
					    NULL),
			 CLI_EXIT_OK);
	close(rfd);
	waitpid(pid, &status, 0);
	ck_assert_uint_eq(pins.count, 1);
	ck_assert_str_eq(pins.pins[0], "1234");
	cli_pins_clear(&pins);

	/* "-": standard input. */
	pid = pipe_writer(&rfd, "4321\n", 1);
	saved = dup(STDIN_FILENO);
	ck_assert_int_ge(dup2(rfd, STDIN_FILENO), 0);
	close(rfd);
	ck_assert_int_eq(cli_pins_from_file(&cli, &pins, "pair", "-", &addr,
					    NULL),
			 CLI_EXIT_OK);
	dup2(saved, STDIN_FILENO);
	close(saved);
	waitpid(pid, &status, 0);
	ck_assert_uint_eq(pins.count, 1);
	ck_assert_str_eq(pins.pins[0], "4321");
	cli_pins_clear(&pins);

	/* A pipe that never ends is cut at the bound: an error, no hang. */
	pid = pipe_writer(&rfd, "# a comment line, over and over\n", 4096);
	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", rfd);
	ck_assert_int_eq(cli_pins_from_file(&cli, &pins, "pair", fdpath, &addr,
					    NULL),
			 CLI_EXIT_USAGE);
	close(rfd);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ck_assert_uint_eq(pins.count, 0);
}
END_TEST

START_TEST(test_gather_sources)
{
	bdaddr_t addr;

	ck_assert_int_eq(bt_addr_parse("98:D3:31:F5:1A:2B", &addr), 0);
	setenv("BTPAIR_PIN", "5678", 1);
	/* Taken once: gone from the environment children inherit. */
	cli_pin_env_take();
	ck_assert_ptr_null(getenv("BTPAIR_PIN"));
	ck_assert_int_eq(cli_pins_gather(&cli, &pins, "connect", NULL, &addr,
					 NULL),
			 CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 1);
	ck_assert_str_eq(pins.pins[0], "5678");
	cli_pins_clear(&pins);
	/* --pin wins over the environment; with --pin-file it is an error. */
	ck_assert(cli_pins_add(&cli, &pins, "connect", "1111"));
	ck_assert_int_eq(cli_pins_gather(&cli, &pins, "connect", NULL, &addr,
					 NULL),
			 CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 1);
	ck_assert_str_eq(pins.pins[0], "1111");
	ck_assert_int_eq(cli_pins_gather(&cli, &pins, "connect", "/dev/null",
					 &addr, NULL),
			 CLI_EXIT_USAGE);
	cli_pins_clear(&pins);
	setenv("BTPAIR_PIN", "12345678901234567", 1);
	cli_pin_env_take();
	ck_assert_int_eq(cli_pins_gather(&cli, &pins, "bind", NULL, &addr,
					 NULL),
			 CLI_EXIT_USAGE);
}
END_TEST

/* --pin is wiped from argv once taken: /proc/PID/cmdline shows argv to
 * every local user for the process's life. */
START_TEST(test_pin_option_wiped_from_argv)
{
	struct o {
		struct cli_pins pins;
	} o = { .pins = { .count = 0 } };
	static const struct cli_opt opts[] = {
		CLI_OPT(struct o, "pin", 'p', PINS, pins),
		{ NULL },
	};
	char a0[] = "pair", a1[] = "--pin", a2[] = "1234", a3[] = "--pin=0000",
	     a4[] = "98:D3:31:F5:1A:2B";
	char *argv[] = { a0, a1, a2, a3, a4, NULL };
	int ret = -1;

	optind = 0;
	ck_assert(cli_options(&cli, "pair", 5, argv, opts, NULL, &o, &ret));
	ck_assert_uint_eq(o.pins.count, 2);
	ck_assert_str_eq(o.pins.pins[0], "1234");
	ck_assert_str_eq(o.pins.pins[1], "0000");
	ck_assert_str_eq(a2, "");
	ck_assert_str_eq(a3, "--pin=");
	ck_assert_str_eq(a4, "98:D3:31:F5:1A:2B");
	cli_pins_clear(&o.pins);
}
END_TEST

START_TEST(test_malformed_lines)
{
	static const char *const bad[] = {
		"* 1234\n1234\n",		  /* lone PIN later */
		"98:D3:31:F5:1A 1234\n",	  /* short address */
		"98:D3:31:F5:1A:2B 1234 extra\n", /* three fields */
		"* 12345678901234567\n",	  /* PIN of 17 bytes */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(bad[i], 0600);
		ck_assert_int_eq(read_for("98:D3:31:F5:1A:2B"), CLI_EXIT_USAGE);
		teardown();
	}
}
END_TEST

START_TEST(test_error_names_the_line_an_editor_shows)
{
	char err_path[] = "/tmp/btpair-stderr-XXXXXX", buf[512] = "";
	int fd = mkstemp(err_path), saved;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	/* Blank lines and a comment before the bad fifth line. */
	write_file("# pins\n\n* 0000\n\n98:D3:31:F5:1A 1234\n", 0600);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	ck_assert_int_eq(read_for("98:D3:31:F5:1A:2B"), CLI_EXIT_USAGE);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(err_path);
	ck_assert_int_gt(n, 0);
	ck_assert_msg(strstr(buf, " line 5: invalid address"), "got: %s", buf);
}
END_TEST

START_TEST(test_nul_byte_rejected)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/btpair-pins-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_eq(write(fd,
			       "12\0"
			       "34\n",
			       6),
			 6);
	close(fd);
	ck_assert_int_eq(read_for("98:D3:31:F5:1A:2B"), CLI_EXIT_USAGE);
}
END_TEST

START_TEST(test_missing_file)
{
	snprintf(path, sizeof(path), "/nonexistent/pins");
	ck_assert_int_eq(read_for("98:D3:31:F5:1A:2B"), CLI_EXIT_USAGE);
	path[0] = '\0';
}
END_TEST

START_TEST(test_directory_is_not_a_pin_file)
{
	bdaddr_t addr = { { 0 } };

	ck_assert_int_eq(cli_pins_from_file(&cli, &pins, "pair", "/tmp", &addr,
					    NULL),
			 CLI_EXIT_USAGE);
}
END_TEST

START_TEST(test_readable_by_others_still_works)
{
	/* A warning, not a failure. */
	write_file("1234\n", 0644);
	ck_assert_int_eq(read_for("98:D3:31:F5:1A:2B"), CLI_EXIT_OK);
	ck_assert_uint_eq(pins.count, 1);
}
END_TEST

START_TEST(test_pins_add_limits)
{
	ck_assert(!cli_pins_add(&cli, &pins, "pair", ""));
	ck_assert(!cli_pins_add(&cli, &pins, "pair", "12345678901234567"));
	ck_assert(cli_pins_add(&cli, &pins, "pair", "1234567890123456"));
	ck_assert(cli_pins_add(&cli, &pins, "pair", "1"));
	ck_assert_uint_eq(pins.count, 2);
	for (int i = 2; i < CLI_MAX_PINS; i++)
		ck_assert(cli_pins_add(&cli, &pins, "pair", "0000"));
	ck_assert(!cli_pins_add(&cli, &pins, "pair", "0000"));
	ck_assert_uint_eq(pins.count, CLI_MAX_PINS);
}
END_TEST

START_TEST(test_parse_uint)
{
	unsigned long v = 7;

	ck_assert(cli_parse_uint("0", 0, 10, &v));
	ck_assert_uint_eq(v, 0);
	ck_assert(cli_parse_uint("999999", 0, 999999, &v));
	ck_assert_uint_eq(v, 999999);
	ck_assert(!cli_parse_uint("1000000", 0, 999999, &v));
	ck_assert(!cli_parse_uint("-1", 0, 10, &v));
	ck_assert(!cli_parse_uint("+1", 0, 10, &v));
	ck_assert(!cli_parse_uint(" 1", 0, 10, &v));
	ck_assert(!cli_parse_uint("1 ", 0, 10, &v));
	ck_assert(!cli_parse_uint("", 0, 10, &v));
	ck_assert(!cli_parse_uint("0x10", 0, 100, &v));
	ck_assert(!cli_parse_uint("99999999999999999999999", 0, 10, &v));
	ck_assert(!cli_parse_uint("0", 1, 10, &v));
}
END_TEST

START_TEST(test_parse_index)
{
	uint16_t i = 0;

	ck_assert(cli_parse_index("hci3", &i));
	ck_assert_uint_eq(i, 3);
	ck_assert(cli_parse_index("12", &i));
	ck_assert_uint_eq(i, 12);
	ck_assert(!cli_parse_index("hci", &i));
	ck_assert(!cli_parse_index("hcix", &i));
	ck_assert(!cli_parse_index("HCI1", &i));
	ck_assert(!cli_parse_index("65535", &i));
	ck_assert(!cli_parse_index("-1", &i));
}
END_TEST

START_TEST(test_json_escaping)
{
	struct json j;

	json_begin(&j, "x");
	json_str(&j, "name", "a\"b\\c\nd\x01");
	json_int(&j, "n", -5);
	json_bool(&j, "b", true);
	{
		const char *list[] = { "p", "q", NULL };

		json_str_array(&j, "l", list);
	}
	ck_assert_str_eq(j.out.data,
			 "{\"event\":\"x\",\"name\":\"a\\\"b\\\\c\\nd"
			 "\\u0001\",\"n\":-5,\"b\":true,"
			 "\"l\":[\"p\",\"q\"]");
	free(j.out.data);
}
END_TEST

/* The escaped form of s as a NUL-terminated string (free it). */
static char *escaped(const char *s)
{
	struct json j = { .first = true };

	json_append_escaped(&j, s);
	ck_assert(!j.out.failed);
	return j.out.data;
}

/*
 * Whatever bytes a device name brings, the output is valid UTF-8 JSON:
 * invalid sequences, overlong forms, surrogates and code points past
 * U+10FFFF become U+FFFD, one per byte; control bytes are escaped; valid
 * UTF-8 of every length passes as it is.
 */
START_TEST(test_json_utf8)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "HC-05", "\"HC-05\"" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"" },
		/* a lone continuation byte, a cut sequence, 0xff */
		{ "a\x80"
		  "b",
		  "\"a\\ufffdb\"" },
		{ "\xc3", "\"\\ufffd\"" },
		{ "\xe2\x82", "\"\\ufffd\\ufffd\"" },
		{ "\xff\xfe", "\"\\ufffd\\ufffd\"" },
		/* overlong '/' (2 and 3 bytes), overlong NUL */
		{ "\xc0\xaf", "\"\\ufffd\\ufffd\"" },
		{ "\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "\xc0\x80", "\"\\ufffd\\ufffd\"" },
		{ "\xf0\x82\x82\xac", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		/* surrogates U+D800 and U+DFFF as UTF-8 (CESU) */
		{ "\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"" },
		{ "\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"" },
		/* U+110000, and the last valid code point U+10FFFF */
		{ "\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
		{ "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"" },
		/* control bytes, DEL, quotes and backslashes */
		{ "a\x01\x1f\x7f", "\"a\\u0001\\u001f\\u007f\"" },
		{ "tab\tnl\ncr\r", "\"tab\\tnl\\ncr\\r\"" },
		{ "say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"" },
		/* a control byte inside a cut sequence */
		{ "\xe2\x0a", "\"\\ufffd\\n\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = escaped(cases[i].in);

		ck_assert_msg(strcmp(got, cases[i].out) == 0,
			      "case %zu: got %s, wanted %s", i, got,
			      cases[i].out);
		free(got);
	}
}
END_TEST

/* The device the tests below are about: 00:11:22:33:44:55, BR/EDR. */
static const struct mgmt_addr ev_dev = {
	.bdaddr = { { 0x55, 0x44, 0x33, 0x22, 0x11, 0x00 } },
	.type = 0,
};

/* Every event type has its keys always: null where unknown. */
START_TEST(test_json_null_and_index)
{
	struct json j;

	json_begin(&j, "x");
	json_index(&j, MGMT_INDEX_NONE);
	json_index(&j, 2);
	json_str_or_null(&j, "name", NULL);
	json_str_or_null(&j, "key_type", "combination");
	json_addr(&j, "address", &ev_dev.bdaddr);
	json_addr(&j, "local", NULL);
	ck_assert_str_eq(j.out.data, "{\"event\":\"x\",\"index\":null,"
				     "\"index\":2,\"name\":null,"
				     "\"key_type\":\"combination\","
				     "\"address\":\"00:11:22:33:44:55\","
				     "\"local\":null");
	free(j.out.data);
}
END_TEST

START_TEST(test_exit_code_names)
{
	ck_assert_str_eq(cli_exit_code_name(CLI_EXIT_AUTH), "auth-failed");
	ck_assert_str_eq(cli_exit_code_name(CLI_EXIT_UNREACHABLE),
			 "unreachable");
	ck_assert_str_eq(cli_exit_code_name(CLI_EXIT_USAGE), "usage");
}
END_TEST

START_TEST(test_status_exit_mapping)
{
	ck_assert_int_eq(cli_status_exit(MGMT_STATUS_AUTH_FAILED),
			 CLI_EXIT_AUTH);
	ck_assert_int_eq(cli_status_exit(MGMT_STATUS_CONNECT_FAILED),
			 CLI_EXIT_UNREACHABLE);
	ck_assert_int_eq(cli_status_exit(MGMT_STATUS_BUSY), CLI_EXIT_BUSY);
	ck_assert_int_eq(cli_status_exit(MGMT_STATUS_RFKILLED),
			 CLI_EXIT_NO_CONTROLLER);
	ck_assert_int_eq(cli_status_exit(MGMT_STATUS_PERMISSION_DENIED),
			 CLI_EXIT_PERMISSION);
	ck_assert_int_eq(cli_status_exit(MGMT_STATUS_TIMEOUT),
			 CLI_EXIT_TIMEOUT);
	ck_assert_int_eq(cli_status_exit(0xee), CLI_EXIT_FAILURE);
}
END_TEST

START_TEST(test_settings_names)
{
	const char *names[33];
	char buf[64];

	cli_settings_names(0x00000091, names);
	ck_assert_str_eq(names[0], "powered");
	ck_assert_str_eq(names[1], "bondable");
	ck_assert_str_eq(names[2], "br/edr");
	ck_assert_ptr_null(names[3]);
	cli_settings_str(0x80000001, buf, sizeof(buf));
	ck_assert_str_eq(buf, "powered unknown");
	/* A buffer too small is cut, never overrun. */
	cli_settings_str(0x0000ffff, buf, 10);
	ck_assert_uint_lt(strlen(buf), 10);
}
END_TEST

START_TEST(test_event_description_never_shows_key)
{
	struct mgmt_event ev = { .code = MGMT_EV_NEW_LINK_KEY, .index = 0 };
	char line[256];

	memset(ev.new_link_key.key.val, 0xab, 16);
	ev.new_link_key.store_hint = 1;
	cli_event_describe(&ev, line, sizeof(line));
	ck_assert_ptr_null(strstr(line, "ab"));
	ck_assert_ptr_null(strstr(line, "AB"));
	ck_assert_ptr_nonnull(strstr(line, "new-link-key"));
}
END_TEST

/* EIR data with the complete name "HC-05". */
static const uint8_t ev_eir[] = { 6, 0x09, 'H', 'C', '-', '0', '5' };

/*
 * Every event kind as the trace and `monitor` show it, in text and in JSON:
 * the whole text line, and the object's keys after "event". Both come from
 * the same description of each event, so a field added to one shows in the
 * other's test too.
 */
START_TEST(test_event_renderings)
{
	static const struct {
		struct mgmt_event ev;
		const char *text, *json;
	} cases[] = {
		{ { .code = MGMT_EV_CMD_COMPLETE,
		    .index = 0,
		    .cmd = { .opcode = MGMT_OP_PAIR_DEVICE, .status = 5 } },
		  "hci0 command-complete Pair Device (0x0019) status 0x05 "
		  "(Authentication Failed)",
		  "\"index\":0,\"opcode\":25,\"status\":5" },
		{ { .code = MGMT_EV_CMD_STATUS,
		    .index = MGMT_INDEX_NONE,
		    .cmd = { .opcode = 0xfffe, .status = 0xee } },
		  "command-status ? (0xfffe) status 0xee (unknown status)",
		  "\"index\":null,\"opcode\":65534,\"status\":238" },
		{ { .code = MGMT_EV_INDEX_ADDED, .index = 1 },
		  "hci1 index-added",
		  "\"index\":1" },
		{ { .code = MGMT_EV_INDEX_REMOVED, .index = 1 },
		  "hci1 index-removed",
		  "\"index\":1" },
		{ { .code = MGMT_EV_NEW_SETTINGS,
		    .index = 0,
		    .new_settings = { .settings = 0x91 } },
		  "hci0 new-settings powered bondable br/edr",
		  "\"index\":0,\"settings\":[\"powered\",\"bondable\","
		  "\"br/edr\"]" },
		{ { .code = MGMT_EV_NEW_LINK_KEY,
		    .index = 0,
		    .new_link_key = { .store_hint = 1,
				      .key = { .addr = ev_dev, .type = 4 } } },
		  "hci0 new-link-key 00:11:22:33:44:55 type "
		  "unauthenticated P-192, store hint 1",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"key_type\":\"unauthenticated P-192\",\"store_hint\":1" },
		{ { .code = MGMT_EV_DEVICE_CONNECTED,
		    .index = 0,
		    .connected = { .addr = ev_dev,
				   .eir = ev_eir,
				   .eir_len = sizeof(ev_eir) } },
		  "hci0 connected 00:11:22:33:44:55",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"name\":\"HC-05\"" },
		{ { .code = MGMT_EV_DEVICE_CONNECTED,
		    .index = 0,
		    .connected = { .addr = ev_dev } },
		  "hci0 connected 00:11:22:33:44:55",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"name\":null" },
		{ { .code = MGMT_EV_DEVICE_DISCONNECTED,
		    .index = 0,
		    .disconnected = { .addr = ev_dev, .reason = 3 } },
		  "hci0 disconnected 00:11:22:33:44:55 reason remote",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"reason\":\"remote\"" },
		{ { .code = MGMT_EV_DEVICE_DISCONNECTED,
		    .index = 0,
		    .disconnected = { .addr = ev_dev, .reason = 9 } },
		  "hci0 disconnected 00:11:22:33:44:55 reason other",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"reason\":\"other\"" },
		{ { .code = MGMT_EV_CONNECT_FAILED,
		    .index = 0,
		    .connect_failed = { .addr = ev_dev, .status = 4 } },
		  "hci0 connect-failed 00:11:22:33:44:55 status 0x04 "
		  "(Connect Failed)",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"status\":4" },
		{ { .code = MGMT_EV_AUTH_FAILED,
		    .index = 0,
		    .auth_failed = { .addr = ev_dev, .status = 5 } },
		  "hci0 auth-failed 00:11:22:33:44:55 status 0x05 "
		  "(Authentication Failed)",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"status\":5" },
		{ { .code = MGMT_EV_PIN_CODE_REQUEST,
		    .index = 0,
		    .pin_request = { .addr = ev_dev, .secure = 1 } },
		  "hci0 pin-request 00:11:22:33:44:55 secure (16-byte PIN)",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"secure\":true" },
		{ { .code = MGMT_EV_PIN_CODE_REQUEST,
		    .index = 0,
		    .pin_request = { .addr = ev_dev, .secure = 0 } },
		  "hci0 pin-request 00:11:22:33:44:55",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"secure\":false" },
		{ { .code = MGMT_EV_USER_CONFIRM_REQUEST,
		    .index = 0,
		    .confirm_request = { .addr = ev_dev,
					 .confirm_hint = 1,
					 .value = 1234 } },
		  "hci0 confirm-request 00:11:22:33:44:55 001234 (just works)",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"value\":1234,\"just_works\":true" },
		{ { .code = MGMT_EV_USER_CONFIRM_REQUEST,
		    .index = 0,
		    .confirm_request = { .addr = ev_dev, .value = 999999 } },
		  "hci0 confirm-request 00:11:22:33:44:55 999999",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"value\":999999,\"just_works\":false" },
		{ { .code = MGMT_EV_USER_PASSKEY_REQUEST,
		    .index = 0,
		    .passkey_request = { .addr = ev_dev } },
		  "hci0 passkey-request 00:11:22:33:44:55",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\"" },
		{ { .code = MGMT_EV_DEVICE_UNPAIRED,
		    .index = 0,
		    .unpaired = { .addr = ev_dev } },
		  "hci0 unpaired 00:11:22:33:44:55",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"kernel\":true,\"stored\":null" },
		{ { .code = MGMT_EV_PASSKEY_NOTIFY,
		    .index = 0,
		    .passkey_notify = { .addr = ev_dev,
					.passkey = 42,
					.entered = 3 } },
		  "hci0 passkey-notify 00:11:22:33:44:55 000042 entered 3",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"passkey\":42,\"entered\":3" },
		{ { .code = MGMT_EV_DEVICE_FOUND,
		    .index = 0,
		    .device_found = { .addr = ev_dev,
				      .rssi = -60,
				      .flags = 2 } },
		  "hci0 device-found 00:11:22:33:44:55 rssi -60 flags 0x2",
		  "\"index\":0,\"address\":\"00:11:22:33:44:55\","
		  "\"rssi\":-60" },
		{ { .code = MGMT_EV_DISCOVERING,
		    .index = 0,
		    .discovering = { .type = 1, .discovering = true } },
		  "hci0 discovering started",
		  "\"index\":0,\"discovering\":true" },
		{ { .code = MGMT_EV_DISCOVERING,
		    .index = 0,
		    .discovering = { .type = 1, .discovering = false } },
		  "hci0 discovering stopped",
		  "\"index\":0,\"discovering\":false" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char line[512], want[512];
		struct json j;

		cli_event_describe(&cases[i].ev, line, sizeof(line));
		ck_assert_msg(strcmp(line, cases[i].text) == 0,
			      "case %zu text: got \"%s\"", i, line);
		json_begin(&j, "e");
		cli_event_json(&cases[i].ev, &j);
		snprintf(want, sizeof(want), "{\"event\":\"e\",%s",
			 cases[i].json);
		ck_assert_msg(strcmp(j.out.data, want) == 0,
			      "case %zu json: got %s", i, j.out.data);
		free(j.out.data);
	}
}
END_TEST

/* A sysfs directory of its own in which controller hciN is registered
 * (registered >= 0) or none is. */
static const char *fake_sysfs(char *dir, int registered)
{
	char sub[128];

	strcpy(dir, "/tmp/btpair-sysfs.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	if (registered >= 0) {
		snprintf(sub, sizeof(sub), "%s/hci%d", dir, registered);
		ck_assert_int_eq(mkdir(sub, 0755), 0);
	}
	return dir;
}

static void fake_sysfs_remove(const char *dir, int registered)
{
	char sub[128];

	if (registered >= 0) {
		snprintf(sub, sizeof(sub), "%s/hci%d", dir, registered);
		rmdir(sub);
	}
	rmdir(dir);
}

/* cli_resolve_index for -i hci3 against the fake kernel's steps, hci3
 * registered in sysfs or not: its exit code, the index in *index. */
static int resolve_hci3(const struct fk_step *steps, bool registered,
			uint16_t *index)
{
	struct cli c = { .prog = "btpair",
			 .signal_fd = -1,
			 .index_arg = "hci3" };
	struct fake_kernel *fk;
	char dir[64], err[256];
	int fd, ret;

	c.sysfs_dir = fake_sysfs(dir, registered ? 3 : -1);
	fk = fk_new(&fd);
	c.client = mgmt_client_new(fd);
	fk_start(fk, steps);
	ret = cli_resolve_index(&c, "keys load", index);
	ck_assert_msg(fk_finish(fk, err, sizeof(err)), "fake kernel: %s", err);
	mgmt_client_free(c.client);
	fake_sysfs_remove(dir, registered ? 3 : -1);
	return ret;
}

/*
 * -i hci3, registered by the kernel but not on the management interface yet
 * (still being set up, as a unit started by its device unit finds it): the
 * command waits for its Index Added, past another controller's.
 */
START_TEST(test_resolve_index_waits_for_setup)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(0x0003, 0xffff),
		FK_COMPLETE(0x0003, 0xffff, 0x00, 0x00, 0x00),
		FK_SLEEP_MS(200),
		FK_EVENT0(0x0004, 2),
		FK_EVENT0(0x0004, 3),
		FK_DONE,
	};
	uint16_t index = 0;

	ck_assert_int_eq(resolve_hci3(steps, true, &index), CLI_EXIT_OK);
	ck_assert_uint_eq(index, 3);
}
END_TEST

/* A controller the kernel does not have is "no controller" at once. */
START_TEST(test_resolve_index_absent_fails_at_once)
{
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(0x0003, 0xffff),
		FK_COMPLETE(0x0003, 0xffff, 0x00, 0x01, 0x00, 0x00, 0x00),
		FK_DONE,
	};
	uint16_t index = 0;
	int64_t t0 = time_now_ms();

	ck_assert_int_eq(resolve_hci3(steps, false, &index),
			 CLI_EXIT_NO_CONTROLLER);
	ck_assert_int_lt(time_now_ms() - t0, 1000);
}
END_TEST

/*
 * The controllers a key listing names by index: every one the kernel lists,
 * past sixteen too (there was a limit of 16, and with a 17th the whole list
 * was dropped). Controller i has address 00:00:00:00:00:i.
 */
START_TEST(test_find_present_many_controllers)
{
	enum { N = 20, RP = sizeof(struct mgmt_rp_read_info) };
	static uint8_t list[3 + 2 + 2 * N], info[N][3 + RP];
	static struct fk_step steps[2 + 2 * N + 1];
	struct cli c = { .prog = "btpair", .signal_fd = -1 };
	struct cli_present *p = calloc(1, sizeof(*p));
	struct fake_kernel *fk;
	size_t k = 0;
	char err[256];
	int fd;

	ck_assert_ptr_nonnull(p);
	list[0] = 0x03; /* Read Index List, success, N indexes */
	list[3] = N;
	for (int i = 0; i < N; i++)
		list[5 + 2 * i] = (uint8_t)i;
	steps[k++] = (struct fk_step)FK_EXPECT_CMD(0x0003, 0xffff);
	steps[k++] = (struct fk_step){ .kind = FK_SEND,
				       .code = 0x0001,
				       .index = 0xffff,
				       .param = list,
				       .len = sizeof(list) };
	for (int i = 0; i < N; i++) {
		info[i][0] = 0x04; /* Read Controller Information */
		info[i][3] = (uint8_t)i;
		steps[k++] = (struct fk_step)FK_EXPECT_CMD(0x0004, i);
		steps[k++] = (struct fk_step){ .kind = FK_SEND,
					       .code = 0x0001,
					       .index = (uint16_t)i,
					       .param = info[i],
					       .len = sizeof(info[i]) };
	}
	steps[k] = (struct fk_step)FK_DONE;

	fk = fk_new(&fd);
	c.client = mgmt_client_new(fd);
	fk_start(fk, steps);
	cli_find_present(&c, p);
	ck_assert_msg(fk_finish(fk, err, sizeof(err)), "fake kernel: %s", err);
	mgmt_client_free(c.client);
	ck_assert_uint_eq(p->n, N);
	for (int i = 0; i < N; i++) {
		bdaddr_t a = { { (uint8_t)i } };

		ck_assert_uint_eq(cli_present_index(p, &a), i);
	}
	free(p);
}
END_TEST

/*
 * name:PATTERN scans and takes the address whose EIR name matches. The scan
 * freed each event before reading its EIR, which pointed into it: a
 * use-after-free that AddressSanitizer (check-unit-san) reports here, and
 * fuzz_session found with the first captured Device Found.
 */
START_TEST(test_resolve_name_reads_eir_of_live_event)
{
	/* Read Controller Information's reply: powered. */
	static uint8_t info[3 + 280] = { 0x04, 0x00, 0x00 };
	const struct fk_step steps[] = {
		FK_EXPECT_CMD(0x0004, 0),
		{ .kind = FK_SEND,
		  .code = 0x0001,
		  .index = 0,
		  .param = info,
		  .len = sizeof(info) },
		FK_EXPECT_CMD(0x0023, 0),
		FK_COMPLETE(0x0023, 0, 0x00, 0x01),
		/* Device Found 00:AA:01:01:00:01, rssi -40, no flags, EIR:
		 * complete name "HC-05". */
		FK_EVENT(0x0012, 0, 0x01, 0x00, 0x01, 0x01, 0xaa, 0x00, 0x00,
			 0xd8, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x06, 0x09,
			 'H', 'C', '-', '0', '5'),
		FK_EXPECT_CMD(0x0024, 0),
		FK_COMPLETE(0x0024, 0, 0x00, 0x01),
		FK_DONE,
	};
	struct cli c = { .prog = "btpair", .signal_fd = -1 };
	struct fake_kernel *fk;
	struct mgmt_addr out;
	bdaddr_t want;
	char err[256];
	int fd;

	info[3 + 13] = 0x01; /* current settings: powered */
	fk = fk_new(&fd);
	c.client = mgmt_client_new(fd);
	fk_start(fk, steps);
	/* --first: the scan stops at the match instead of running on. */
	ck_assert_int_eq(cli_resolve_addr(&c, "pair", "name:hc-05", 0, true,
					  &out),
			 CLI_EXIT_OK);
	ck_assert_msg(fk_finish(fk, err, sizeof(err)), "fake kernel: %s", err);
	mgmt_client_free(c.client);
	ck_assert_int_eq(bt_addr_parse("00:AA:01:01:00:01", &want), 0);
	ck_assert(bt_addr_equal(&out.bdaddr, &want));
}
END_TEST

/* ---- Progress lines: stderr on a pseudo-terminal ---- */

static int pty_master = -1, saved_stderr = -1;

/* Make stderr a terminal whose output the test reads from pty_master. */
static void stderr_on_pty(void)
{
	int slave;

	pty_master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(pty_master, 0);
	ck_assert_int_eq(grantpt(pty_master), 0);
	ck_assert_int_eq(unlockpt(pty_master), 0);
	slave = open(ptsname(pty_master), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(slave, 0);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_eq(dup2(slave, STDERR_FILENO), STDERR_FILENO);
	close(slave);
}

static void stderr_back(void)
{
	cli_progress_end();
	if (saved_stderr >= 0) {
		dup2(saved_stderr, STDERR_FILENO);
		close(saved_stderr);
		saved_stderr = -1;
	}
	if (pty_master >= 0)
		close(pty_master);
	pty_master = -1;
}

/* What the terminal shows within ms (empty if nothing). */
static void pty_read(char *buf, size_t size, int ms)
{
	struct pollfd pfd = { .fd = pty_master, .events = POLLIN };
	size_t got = 0;

	buf[0] = '\0';
	while (got < size - 1 && poll(&pfd, 1, ms) == 1) {
		ssize_t n = read(pty_master, buf + got, size - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strchr(buf, '\n'))
			break;
	}
}

START_TEST(test_progress_after_a_second_on_a_terminal)
{
	struct cli c = { .prog = "btpair", .signal_fd = -1 };
	char out[256];

	stderr_on_pty();
	ck_assert(cli_progress_enabled(&c));
	cli_progress(&c, time_deadline_in(12000), "connecting to %s",
		     "98:D3:31:F5:1A:2B");
	/* Nothing within the first second... */
	pty_read(out, sizeof(out), 700);
	ck_assert_str_eq(out, "");
	/* ...then the line, with the time left. */
	pty_read(out, sizeof(out), 2000);
	stderr_back();
	ck_assert_msg(strncmp(out,
			      "btpair: connecting to 98:D3:31:F5:1A:2B "
			      "(gives up in 1",
			      strlen("btpair: connecting to 98:D3:31:F5:1A:2B "
				     "(gives up in 1")) == 0,
		      "got '%s'", out);
}
END_TEST

START_TEST(test_progress_ended_in_time_says_nothing)
{
	struct cli c = { .prog = "btpair", .signal_fd = -1 };
	struct cli q = { .prog = "btpair", .signal_fd = -1, .quiet = true };
	char out[256];

	stderr_on_pty();
	cli_progress(&c, -1, "waiting for the device's PIN request");
	/* A result line ends the wait before the second is up. */
	cli_print(&q, "paired");
	pty_read(out, sizeof(out), 1500);
	stderr_back();
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_progress_never_quiet_json_or_off_a_terminal)
{
	struct cli quiet = { .prog = "btpair", .signal_fd = -1, .quiet = true };
	struct cli json = { .prog = "btpair", .signal_fd = -1, .json = true };
	struct cli plain = { .prog = "btpair", .signal_fd = -1 };
	char out[256];
	int fds[2];

	stderr_on_pty();
	ck_assert(!cli_progress_enabled(&quiet));
	ck_assert(!cli_progress_enabled(&json));
	cli_progress(&quiet, -1, "quiet");
	cli_progress(&json, -1, "json");
	pty_read(out, sizeof(out), 1500);
	stderr_back();
	ck_assert_str_eq(out, "");
	/* stderr a pipe: not a terminal. */
	ck_assert_int_eq(pipe(fds), 0);
	saved_stderr = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	ck_assert(!cli_progress_enabled(&plain));
	stderr_back();
	close(fds[0]);
	close(fds[1]);
}
END_TEST

/*
 * connect --reconnect's waits. A peer that accepts and drops at once (each
 * link up 0 ms) gets at most 10 attempts in 5 minutes, even with every wait
 * shortened as much as the jitter allows; only a link that stayed up 10 s
 * starts the waits again from 1 s.
 */
static unsigned int attempts_in(int64_t window_ms, int64_t up_ms, bool worst,
				unsigned int seed)
{
	int64_t backoff = CLI_RECONNECT_FIRST_MS, t = 0;
	unsigned int attempts = 1; /* the first, at once */

	for (;;) {
		uint32_t r = worst ? (uint32_t)(backoff / 4) :
				     (uint32_t)rand_r(&seed);

		t += up_ms + cli_reconnect_wait(&backoff, up_ms,
						CLI_RECONNECT_CAP_MS, r);
		if (t > window_ms)
			return attempts;
		attempts++;
	}
}

START_TEST(test_reconnect_backoff)
{
	int64_t backoff = CLI_RECONNECT_FIRST_MS, w;

	ck_assert_uint_le(attempts_in(300000, 0, true, 0), 10);
	for (unsigned int seed = 1; seed <= 1000; seed++)
		ck_assert_uint_le(attempts_in(300000, 0, false, seed), 10);
	/* Links of 9.9 s do not reset the waits either. */
	ck_assert_uint_le(attempts_in(300000 + 10 * 9900, 9900, true, 0), 10);
	/* Failed attempts double the wait up to the cap, jittered within a
	 * quarter. */
	for (int i = 0; i < 12; i++) {
		int64_t b = backoff;

		w = cli_reconnect_wait(&backoff, -1, CLI_RECONNECT_CAP_MS,
				       (uint32_t)rand());
		ck_assert_int_le(w, b);
		ck_assert_int_ge(w, b - b / 4);
	}
	ck_assert_int_eq(backoff, CLI_RECONNECT_CAP_MS);
	/* A link that lasted 10 s: the next wait is the first again. */
	w = cli_reconnect_wait(&backoff, CLI_RECONNECT_STABLE_MS,
			       CLI_RECONNECT_CAP_MS, 0);
	ck_assert_int_eq(w, CLI_RECONNECT_FIRST_MS);
	w = cli_reconnect_wait(&backoff, CLI_RECONNECT_STABLE_MS,
			       CLI_RECONNECT_CAP_MS,
			       CLI_RECONNECT_FIRST_MS / 4);
	ck_assert_int_eq(w, CLI_RECONNECT_FIRST_MS * 3 / 4);
	/* Another cap (a retry process's): the doubling stops there. */
	backoff = CLI_RECONNECT_FIRST_MS;
	for (int i = 0; i < 8; i++)
		w = cli_reconnect_wait(&backoff, -1, 20000, 0);
	ck_assert_int_eq(backoff, 20000);
	ck_assert_int_eq(w, 20000);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("helpers");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_single_pin_file);
	tcase_add_test(tc, test_per_device_then_wildcard);
	tcase_add_test(tc, test_unknown_device_gets_wildcard_only);
	tcase_add_test(tc, test_no_match_is_an_error);
	tcase_add_test(tc, test_pin_alone_must_be_the_only_line);
	tcase_add_test(tc, test_names_and_order);
	tcase_add_test(tc, test_name_only_file);
	tcase_add_test(tc, test_each_error_names_its_line);
	tcase_add_test(tc, test_check_only);
	tcase_add_test(tc, test_pipe_and_stdin);
	tcase_add_test(tc, test_gather_sources);
	tcase_add_test(tc, test_pin_option_wiped_from_argv);
	tcase_add_test(tc, test_reconnect_backoff);
	tcase_add_test(tc, test_malformed_lines);
	tcase_add_test(tc, test_error_names_the_line_an_editor_shows);
	tcase_add_test(tc, test_nul_byte_rejected);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_directory_is_not_a_pin_file);
	tcase_add_test(tc, test_readable_by_others_still_works);
	tcase_add_test(tc, test_pins_add_limits);
	tcase_add_test(tc, test_parse_uint);
	tcase_add_test(tc, test_parse_index);
	tcase_add_test(tc, test_json_escaping);
	tcase_add_test(tc, test_json_utf8);
	tcase_add_test(tc, test_json_null_and_index);
	tcase_add_test(tc, test_exit_code_names);
	tcase_add_test(tc, test_status_exit_mapping);
	tcase_add_test(tc, test_settings_names);
	tcase_add_test(tc, test_event_description_never_shows_key);
	tcase_add_test(tc, test_event_renderings);
	tcase_add_test(tc, test_resolve_name_reads_eir_of_live_event);
	tcase_add_test(tc, test_resolve_index_waits_for_setup);
	tcase_add_test(tc, test_resolve_index_absent_fails_at_once);
	tcase_add_test(tc, test_find_present_many_controllers);
	suite_add_tcase(s, tc);

	tc = tcase_create("progress");
	tcase_add_test(tc, test_progress_after_a_second_on_a_terminal);
	tcase_add_test(tc, test_progress_ended_in_time_says_nothing);
	tcase_add_test(tc, test_progress_never_quiet_json_or_off_a_terminal);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cli_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
