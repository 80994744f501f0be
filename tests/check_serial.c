/* serial.conf: the declared serial devices, parsed; every way to get it
 * wrong names its line and applies nothing. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/output.h"
#include "cli/serial.h"
#include "mgmt/addr.h"
#include "serial/conf.h"

static int parse(const char *text, struct serial_conf *conf,
		 struct file_error *err)
{
	return serial_conf_parse(text, strlen(text), conf, err);
}

START_TEST(test_parse_example)
{
	static const char text[] =
		"# NAME   TARGET                KEY=VALUE...\n"
		"hc05     98:D3:31:F5:1A:2B     channel=1 "
		"pin-file=/etc/btpair/pins dev=0\n"
		"\n"
		"   # an indented comment\n"
		"logger\tname:HC-05-LAB\tpty=/run/btpair/logger # trailing\r\n"
		"x_y-Z9 aa:bb:cc:dd:ee:ff channel=auto controller=hci1\n";
	struct serial_conf conf;
	struct file_error err;
	const struct serial_entry *e;
	bdaddr_t want;

	ck_assert_int_eq(parse(text, &conf, &err), 0);
	ck_assert_uint_eq(conf.count, 3);

	e = serial_conf_find(&conf, "hc05");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->line, 2);
	ck_assert(!e->by_name);
	bt_addr_parse("98:D3:31:F5:1A:2B", &want);
	ck_assert(bt_addr_equal(&e->addr, &want));
	ck_assert_uint_eq(e->channel, 1);
	ck_assert_str_eq(e->pin_file, "/etc/btpair/pins");
	ck_assert_int_eq(e->dev, 0);
	ck_assert_ptr_null(e->pty);
	ck_assert_int_eq(e->controller, -1);

	e = serial_conf_find(&conf, "logger");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->line, 5);
	ck_assert(e->by_name);
	ck_assert_str_eq(e->pattern, "HC-05-LAB");
	ck_assert_uint_eq(e->channel, 0);
	ck_assert_int_eq(e->dev, -1);
	ck_assert_str_eq(e->pty, "/run/btpair/logger");
	ck_assert_ptr_null(e->pin_file);

	e = serial_conf_find(&conf, "x_y-Z9");
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->channel, 0);
	ck_assert_int_eq(e->controller, 1);
	ck_assert_ptr_null(e->group);
	ck_assert_ptr_null(serial_conf_find(&conf, "nobody"));
	serial_conf_free(&conf);
	ck_assert_uint_eq(conf.count, 0);
}
END_TEST

START_TEST(test_parse_empty)
{
	struct serial_conf conf;
	struct file_error err;

	ck_assert_int_eq(parse("", &conf, &err), 0);
	ck_assert_uint_eq(conf.count, 0);
	ck_assert_int_eq(parse("# only a comment\n\n \t\n", &conf, &err), 0);
	ck_assert_uint_eq(conf.count, 0);
	serial_conf_free(&conf);
}
END_TEST

/* Each bad file: the line the error must name and words its message has. */
static const struct {
	const char *text;
	unsigned int line;
	const char *says;
} bad[] = {
	/* unknown key */
	{ "a 00:11:22:33:44:55 speed=9600\n", 1, "unknown key 'speed'" },
	{ "a 00:11:22:33:44:55\nb 00:11:22:33:44:56 Channel=1\n", 2,
	  "unknown key 'Channel'" },
	/* duplicate NAME */
	{ "a 00:11:22:33:44:55\n# c\nb 00:11:22:33:44:56\na name:X\n", 4,
	  "duplicate NAME 'a' (first on line 1)" },
	/* malformed lines */
	{ "a\n", 1, "malformed line" },
	{ "ok 00:11:22:33:44:55\n\nlonely\n", 3, "malformed line" },
	{ "a 00:11:22:33:44:55 channel\n", 1, "malformed option 'channel'" },
	{ "a 00:11:22:33:44:55 =1\n", 1, "malformed option" },
	{ "a 00:11:22:33:44:55 channel=\n", 1, "channel needs a value" },
	{ "a 00:11:22:33:44:55 channel=1 channel=2\n", 1,
	  "channel given twice" },
	{ "a 00:11:22:33:44:55 dev=0 dev=1\n", 1, "dev given twice" },
	{ "a 00:11:22:33:44:55 a=1 b=2 c=3 d=4 e=5 f=6 g=7\n", 1,
	  "too many words" },
	{ "a 00:11:22:33:44:5\n", 1, "bad target '00:11:22:33:44:5'" },
	{ "a 00-11-22-33-44-55\n", 1, "bad target" },
	{ "a name:\n", 1, "name: needs a pattern" },
	{ "a 00:11:22:33:44:55\nb 00:11:22:33:44:55\0 x\n", 2, "NUL byte" },
	/* dev and pty both */
	{ "a 00:11:22:33:44:55 dev=0 pty=/run/btpair/a\n", 1,
	  "dev and pty exclude each other" },
	{ "a 00:11:22:33:44:55 pty=/run/x dev=3\n", 1,
	  "dev and pty exclude each other" },
	/* bad NAME characters */
	{ "a.b 00:11:22:33:44:55\n", 1, "bad NAME 'a.b'" },
	{ "a/b 00:11:22:33:44:55\n", 1, "bad NAME" },
	{ "\xc3\xa9t\xc3\xa9 00:11:22:33:44:55\n", 1, "bad NAME" },
	{ "a=1 00:11:22:33:44:55\n", 1, "bad NAME" },
	{ "abcdefghijabcdefghijabcdefghijabc 00:11:22:33:44:55\n", 1,
	  "bad NAME" },
	/* bad channel */
	{ "a 00:11:22:33:44:55 channel=0\n", 1, "bad channel '0'" },
	{ "a 00:11:22:33:44:55 channel=31\n", 1, "bad channel '31'" },
	{ "a 00:11:22:33:44:55 channel=-1\n", 1, "bad channel" },
	{ "a 00:11:22:33:44:55 channel=1x\n", 1, "bad channel" },
	{ "a 00:11:22:33:44:55 channel=99999999999\n", 1, "bad channel" },
	{ "a 00:11:22:33:44:55 channel=AUTO\n", 1, "bad channel" },
	/* the other values */
	{ "a 00:11:22:33:44:55 dev=256\n", 1, "bad dev '256'" },
	{ "a 00:11:22:33:44:55 dev=x\n", 1, "bad dev" },
	{ "a 00:11:22:33:44:55 pty=run/a\n", 1, "absolute path" },
	{ "a 00:11:22:33:44:55 controller=hcix\n", 1, "bad controller 'hcix'" },
	{ "a 00:11:22:33:44:55 controller=65535\n", 1, "bad controller" },
	{ "a 00:11:22:33:44:55 dev=1\nb name:X dev=1\n", 2,
	  "dev=1 already taken by 'a' on line 1" },
	{ "a name:X pty=/run/p\nb name:Y pty=/run/p\n", 2,
	  "already taken by 'a'" },
	/* group= is a pty's, and a group name or number */
	{ "a 00:11:22:33:44:55 dev=1 group=dialout\n", 1,
	  "group is the pty's: it needs pty=" },
	{ "a 00:11:22:33:44:55 group=dialout\n", 1, "it needs pty=" },
	{ "a name:X pty=/run/p group=\n", 1, "group needs a value" },
	{ "a name:X pty=/run/p group=a/b\n", 1, "bad group 'a/b'" },
	{ "a name:X pty=/run/p group=pi:pi\n", 1, "bad group" },
	{ "a name:X pty=/run/p group=-x\n", 1, "bad group" },
	{ "a name:X pty=/run/p group=abcdefghijabcdefghijabcdefghijabc\n", 1,
	  "bad group" },
	{ "a name:X pty=/run/p group=a group=b\n", 1, "group given twice" },
};

START_TEST(test_parse_rejects)
{
	struct serial_conf conf = { (void *)1, 7 };
	struct file_error err;
	const char *text = bad[_i].text;
	size_t len = strlen(text);

	/* The NUL case runs on past its NUL. */
	if (strstr(bad[_i].says, "NUL"))
		len += strlen(text + len + 1) + 1;
	ck_assert_int_eq(serial_conf_parse(text, len, &conf, &err), -EINVAL);
	ck_assert_msg(err.line == bad[_i].line, "case %d: line %u, wanted %u",
		      _i, err.line, bad[_i].line);
	ck_assert_msg(strstr(err.msg, bad[_i].says), "case %d: '%s' lacks '%s'",
		      _i, err.msg, bad[_i].says);
	/* Nothing is handed out from a file that failed. */
	ck_assert_ptr_null(conf.entries);
	ck_assert_uint_eq(conf.count, 0);
}
END_TEST

START_TEST(test_name_valid)
{
	ck_assert(serial_name_valid("a"));
	ck_assert(serial_name_valid("HC-05_lab"));
	ck_assert(serial_name_valid("abcdefghijabcdefghijabcdefghijab"));
	ck_assert(!serial_name_valid(""));
	ck_assert(!serial_name_valid("a b"));
	ck_assert(!serial_name_valid(".."));
	ck_assert(!serial_name_valid("abcdefghijabcdefghijabcdefghijabc"));
}
END_TEST

START_TEST(test_path)
{
	unsetenv("BTPAIR_SERIAL_CONF");
	ck_assert_str_eq(serial_conf_path(NULL), "/etc/btpair/serial.conf");
	setenv("BTPAIR_SERIAL_CONF", "/tmp/s.conf", 1);
	ck_assert_str_eq(serial_conf_path(NULL), "/tmp/s.conf");
	ck_assert_str_eq(serial_conf_path("/x"), "/x");
	unsetenv("BTPAIR_SERIAL_CONF");
}
END_TEST

START_TEST(test_load)
{
	char dir[] = "/tmp/check_serial.XXXXXX", path[64];
	struct serial_conf conf;
	struct file_error err;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/serial.conf", dir);
	ck_assert_int_eq(serial_conf_load(path, &conf, &err), -ENOENT);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("a 00:11:22:33:44:55 dev=2\nb name:Lab*\n", f);
	fclose(f);
	ck_assert_int_eq(serial_conf_load(path, &conf, &err), 0);
	ck_assert_uint_eq(conf.count, 2);
	serial_conf_free(&conf);
	f = fopen(path, "w");
	fputs("a 00:11:22:33:44:55\nb 00:11:22:33:44:55 bogus=1\n", f);
	fclose(f);
	ck_assert_int_eq(serial_conf_load(path, &conf, &err), -EINVAL);
	ck_assert_uint_eq(err.line, 2);
	ck_assert_uint_eq(conf.count, 0);
	/* A directory is not a file to read. */
	ck_assert_int_eq(serial_conf_load(dir, &conf, &err), -EFBIG);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_state_round_trip)
{
	char dir[] = "/tmp/check_serial_run.XXXXXX", path[96];
	struct serial_state st = { .channel = 3, .dev = 2 }, got;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("BTPAIR_RUN_DIR", dir, 1);
	ck_assert_int_eq(serial_state_read("hc05", &got), -ENOENT);
	bt_addr_parse("98:D3:31:F5:1A:2B", &st.addr);
	ck_assert_int_eq(serial_state_write("hc05", &st), 0);
	ck_assert_int_eq(serial_state_read("hc05", &got), 0);
	ck_assert(bt_addr_equal(&got.addr, &st.addr));
	ck_assert_uint_eq(got.channel, 3);
	ck_assert_int_eq(got.dev, 2);
	/* A file that is not ours is refused, not half read. */
	snprintf(path, sizeof(path), "%s/bad.state", dir);
	f = fopen(path, "w");
	fputs("address=98:D3:31:F5:1A:2B\nchannel=99\ndev=1\n", f);
	fclose(f);
	ck_assert_int_eq(serial_state_read("bad", &got), -EBADMSG);
	ck_assert_int_eq(serial_state_remove("hc05"), 0);
	ck_assert_int_eq(serial_state_remove("hc05"), 0);
	ck_assert_int_eq(serial_state_read("hc05", &got), -ENOENT);
	unlink(path);
	rmdir(dir);
	unsetenv("BTPAIR_RUN_DIR");
}
END_TEST

/* group= of a pty entry: a name or a number, kept as written. */
START_TEST(test_parse_group)
{
	static const char text[] = "a name:X pty=/run/a group=pi\n"
				   "b name:Y pty=/run/b group=20\n"
				   "c name:Z pty=/run/c group=svc_1.x-y$\n";
	struct serial_conf conf;
	struct file_error err;

	ck_assert_int_eq(parse(text, &conf, &err), 0);
	ck_assert_str_eq(serial_conf_find(&conf, "a")->group, "pi");
	ck_assert_str_eq(serial_conf_find(&conf, "b")->group, "20");
	ck_assert_str_eq(serial_conf_find(&conf, "c")->group, "svc_1.x-y$");
	serial_conf_free(&conf);
	ck_assert(serial_group_valid("dialout"));
	ck_assert(serial_group_valid("0"));
	ck_assert(!serial_group_valid(""));
	ck_assert(!serial_group_valid("a b"));
	ck_assert(!serial_group_valid("a$b"));
}
END_TEST

/* Where the channel came from goes with the state; a state file of an
 * older btpair, without it, still reads. */
START_TEST(test_state_channel_from)
{
	char dir[] = "/tmp/check_serial_run.XXXXXX", path[96];
	struct serial_state st = { .channel = 5,
				   .from = SERIAL_CHANNEL_REMEMBERED,
				   .dev = -1 },
			    got;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("BTPAIR_RUN_DIR", dir, 1);
	bt_addr_parse("98:D3:31:F5:1A:2B", &st.addr);
	ck_assert_int_eq(serial_state_write("p", &st), 0);
	ck_assert_int_eq(serial_state_read("p", &got), 0);
	ck_assert_int_eq(got.from, SERIAL_CHANNEL_REMEMBERED);
	ck_assert_int_eq(got.dev, -1);
	snprintf(path, sizeof(path), "%s/old.state", dir);
	f = fopen(path, "w");
	fputs("address=98:D3:31:F5:1A:2B\nchannel=2\ndev=0\n", f);
	fclose(f);
	ck_assert_int_eq(serial_state_read("old", &got), 0);
	ck_assert_int_eq(got.from, SERIAL_CHANNEL_UNKNOWN);
	ck_assert_uint_eq(got.channel, 2);
	ck_assert_str_eq(serial_channel_from_name(SERIAL_CHANNEL_SDP), "sdp");
	ck_assert_str_eq(serial_channel_from_name(SERIAL_CHANNEL_CONF), "conf");
	ck_assert_ptr_null(serial_channel_from_name(SERIAL_CHANNEL_UNKNOWN));
	ck_assert_ptr_null(serial_channel_from_name(_SERIAL_CHANNEL_MAX));
	unlink(path);
	serial_state_remove("p");
	rmdir(dir);
	unsetenv("BTPAIR_RUN_DIR");
}
END_TEST

/* The channels SDP gave, kept under the state directory by controller and
 * device, replaced atomically, forgotten on demand. */
START_TEST(test_channel_memory)
{
	char dir[] = "/tmp/check_serial_state.XXXXXX", path[160], cdir[96];
	bdaddr_t ctrl, dev, other;
	uint8_t ch = 0;
	struct stat sb;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	setenv("BTPAIR_STATE_DIR", dir, 1);
	ck_assert_str_eq(serial_state_dir(), dir);
	bt_addr_parse("00:1A:7D:DA:71:13", &ctrl);
	bt_addr_parse("98:D3:31:F5:1A:2B", &dev);
	bt_addr_parse("98:D3:31:F5:1A:2C", &other);
	ck_assert_int_eq(serial_channel_read(&ctrl, &dev, &ch), -ENOENT);
	ck_assert_int_eq(serial_channel_write(&ctrl, &dev, 3), 0);
	ck_assert_int_eq(serial_channel_read(&ctrl, &dev, &ch), 0);
	ck_assert_uint_eq(ch, 3);
	/* Keyed by controller and device: another device knows nothing. */
	ck_assert_int_eq(serial_channel_read(&ctrl, &other, &ch), -ENOENT);
	ck_assert_int_eq(serial_channel_read(&dev, &dev, &ch), -ENOENT);
	snprintf(cdir, sizeof(cdir), "%s/00:1A:7D:DA:71:13", dir);
	snprintf(path, sizeof(path), "%s/98:D3:31:F5:1A:2B", cdir);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 07777, 0644);
	ck_assert_int_eq(serial_channel_write(&ctrl, &dev, 7), 0);
	ck_assert_int_eq(serial_channel_read(&ctrl, &dev, &ch), 0);
	ck_assert_uint_eq(ch, 7);
	/* A file that is not one of ours is not taken for a channel. */
	f = fopen(path, "w");
	fputs("channel=31\n", f);
	fclose(f);
	ck_assert_int_eq(serial_channel_read(&ctrl, &dev, &ch), -EBADMSG);
	ck_assert_int_eq(serial_channel_forget(&ctrl, &dev), 0);
	ck_assert_int_eq(serial_channel_forget(&ctrl, &dev), 0);
	ck_assert_int_eq(serial_channel_read(&ctrl, &dev, &ch), -ENOENT);
	rmdir(cdir);
	ck_assert_int_eq(rmdir(dir), 0); /* nothing else was left there */
	unsetenv("BTPAIR_STATE_DIR");
	ck_assert_str_eq(serial_state_dir(), "/var/lib/btpair");
}
END_TEST

/* A retry process says its first failure, each that differs from the one
 * before, and the same one again only every SERIAL_RETRY_REMIND. */
START_TEST(test_retry_log)
{
	struct serial_retry_log log = { .attempts = 0 };
	unsigned int said = 0;
	bool repeated;

	ck_assert(serial_retry_log_failure(&log, "unreachable", &repeated));
	ck_assert(!repeated);
	for (int i = 1; i < 100; i++)
		said += serial_retry_log_failure(&log, "unreachable",
						 &repeated);
	ck_assert(repeated);
	ck_assert_uint_eq(log.attempts, 100);
	/* Attempts 10, 20, ... 100 of the same. */
	ck_assert_uint_eq(said, 100 / SERIAL_RETRY_REMIND);
	ck_assert(serial_retry_log_failure(&log, "refused", &repeated));
	ck_assert(!repeated);
	ck_assert(!serial_retry_log_failure(&log, "refused", &repeated));
	ck_assert(serial_retry_log_failure(&log, "unreachable", &repeated));
	ck_assert_str_eq(log.last, "unreachable");
	ck_assert_uint_eq(log.same, 1);
}
END_TEST

/* One line naming the entry; with bluetoothd refusing, the next step for
 * this entry, once, whether or not pair's message named bluetoothd. */
START_TEST(test_retry_line)
{
	char line[1600];

	cli_serial_retry_line(line, sizeof(line), "hc05",
			      "pair 98:D3:31:F5:1A:2B: device unreachable",
			      false, 1, false, 1000);
	ck_assert_str_eq(line, "serial hc05: pair 98:D3:31:F5:1A:2B: device "
			       "unreachable (attempt 1); retrying in 1 s");
	ck_assert_ptr_null(strchr(line, '\n'));
	cli_serial_retry_line(line, sizeof(line), "hc05", "x", false, 20, true,
			      120000);
	ck_assert_str_eq(line, "serial hc05: x (attempt 20, the same for a "
			       "while); retrying in 120 s");
	cli_serial_retry_line(line, sizeof(line), "lab",
			      "pair 98:D3:31:F5:1A:2B: authentication failed",
			      true, 1, false, 2000);
	ck_assert_ptr_nonnull(strstr(line,
				     "bluetoothd runs and, with no agent, "
				     "refuses every pairing first"));
	ck_assert_ptr_nonnull(strstr(line, "(systemctl stop bluetooth; btpair "
					   "serial up lab; systemctl start "
					   "bluetooth)"));
	/* pair said bluetoothd already: only the commands are added. */
	cli_serial_retry_line(line, sizeof(line), "lab",
			      "pair X: bluetoothd answered the device's "
			      "request first; stop bluetoothd",
			      true, 1, false, 2000);
	ck_assert_ptr_nonnull(strstr(line, "; to pair with it stopped: "
					   "systemctl stop bluetooth; btpair "
					   "serial up lab; systemctl start "
					   "bluetooth (attempt 1)"));
	ck_assert_ptr_null(strstr(line, "refuses every pairing"));
}
END_TEST

/* With a capture, failures and warnings are kept, whole, and not
 * printed: what a retry process decides to say later. */
START_TEST(test_capture)
{
	struct cli cli = { .prog = "btpair", .signal_fd = -1, .json = true };
	struct cli_capture cap = { .error = "" };

	cli.capture = &cap;
	ck_assert_int_eq(cli_fail(&cli, CLI_EXIT_UNREACHABLE, 4, "pair %s: %s",
				  "X", "unreachable"),
			 CLI_EXIT_UNREACHABLE);
	ck_assert_str_eq(cap.error, "pair X: unreachable [mgmt status 0x04]");
	cli_fail(&cli, CLI_EXIT_AUTH, -1, "refused");
	ck_assert_str_eq(cap.error, "refused");
	cli_warn(&cli, "PIN file %s is readable by others", "/p");
	ck_assert_str_eq(cap.warning, "PIN file /p is readable by others");
}
END_TEST

static Suite *serial_suite(void)
{
	Suite *s = suite_create("serial");
	TCase *tc = tcase_create("serial.conf");

	tcase_add_test(tc, test_parse_example);
	tcase_add_test(tc, test_parse_empty);
	tcase_add_loop_test(tc, test_parse_rejects, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, test_name_valid);
	tcase_add_test(tc, test_path);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_state_round_trip);
	tcase_add_test(tc, test_parse_group);
	tcase_add_test(tc, test_state_channel_from);
	tcase_add_test(tc, test_channel_memory);
	tcase_add_test(tc, test_retry_log);
	tcase_add_test(tc, test_retry_line);
	tcase_add_test(tc, test_capture);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(serial_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
