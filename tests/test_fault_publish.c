/* test_fault_publish.c — kill -9 during the publish of a large map (issue 9): after a restart the old
 * version serves or the new one does, never a mix, and the audit trail matches what is active.
 *
 * A child process publishes a 20,000-row draft through the same request path the daemon runs
 * (sv_exchange_run over a writer on the store) and is killed with SIGKILL at a point spread over the
 * time a whole publish takes; then the real daemon is started on the store the child left behind and
 * asked which version is active, and `samsvar audit` (the same audit table) whether a publish is
 * recorded. Repeated ROUNDS times, each on a fresh copy of the same store. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "samsvar/exchange.h"
#include "samsvar/store.h"
#include "samsvar/writer.h"
#include "support/daemon.h"

#define ROUNDS 24
#define ROWS 20000
#define URL "https://fhir.samsvar.no/ConceptMap/fault-large"

static char dir[64], pristine[128], work[128];

static long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

/* A map of ROWS rows from a synthetic source to a synthetic target: the publish path does not look
 * at codes (they were checked when the draft was written), it rewrites and re-indexes the map. */
static cJSON *large_map(const char *version, const char *status, const char *target_prefix)
{
	cJSON *m = cJSON_CreateObject(), *g, *els;
	char code[32];

	cJSON_AddStringToObject(m, "resourceType", "ConceptMap");
	cJSON_AddStringToObject(m, "url", URL);
	cJSON_AddStringToObject(m, "version", version);
	cJSON_AddStringToObject(m, "status", status);
	g = cJSON_CreateObject();
	cJSON_AddStringToObject(g, "source", "urn:example:fault-source");
	cJSON_AddStringToObject(g, "target", "urn:example:fault-target");
	els = cJSON_AddArrayToObject(g, "element");
	for (int i = 0; i < ROWS; i++) {
		cJSON *e = cJSON_CreateObject(), *t = cJSON_CreateObject();
		snprintf(code, sizeof(code), "s%d", i);
		cJSON_AddStringToObject(e, "code", code);
		snprintf(code, sizeof(code), "%s%d", target_prefix, i);
		cJSON_AddStringToObject(t, "code", code);
		cJSON_AddStringToObject(t, "equivalence", "equivalent");
		cJSON_AddItemToArray(cJSON_AddArrayToObject(e, "target"), t);
		cJSON_AddItemToArray(els, e);
	}
	cJSON_AddItemToArray(cJSON_AddArrayToObject(m, "group"), g);
	return m;
}

static int copy_file(const char *from, const char *to)
{
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "cp %s %s && rm -f %s-wal %s-shm", from, to, to, to);
	return system(cmd);
}

/* The pristine store: version 1 active, version 2 a draft, both large, closed cleanly (no WAL). */
static void make_pristine(void)
{
	struct sv_store *st = NULL;
	struct sv_error err = {0};
	cJSON *v1 = large_map("1", "active", "a"), *v2 = large_map("2", "draft", "b");

	snprintf(dir, sizeof(dir), "/tmp/samsvar-fault-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(pristine, sizeof(pristine), "%s/pristine.db", dir);
	snprintf(work, sizeof(work), "%s/work.db", dir);
	cr_assert_eq(sv_store_open(pristine, &st, &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_begin(st, &err), SV_OK);
	cJSON_AddStringToObject(v1, "id", "fault-1");
	cJSON_AddStringToObject(v2, "id", "fault-2");
	cr_assert_eq(sv_store_put(st, v1, "test", "fault", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_put(st, v2, "test", "fault", &err), SV_OK, "%s", err.message);
	cr_assert_eq(sv_store_commit(st, &err), SV_OK);
	sv_store_close(st);
	cJSON_Delete(v1);
	cJSON_Delete(v2);
}

/* In a child: publishes version 2 on the store at `path`, as the daemon would, and exits 0 on 200. */
static void publish_in_child(const char *path)
{
	static const struct sv_principal who = {"per", SV_ROLE_PUBLISHER};
	struct sv_config cfg;
	struct sv_registry reg;
	struct sv_service svc = {0};
	struct sv_exchange x = {0};
	struct sv_store *st = NULL;
	struct sv_snapshot *snap;
	struct sv_error err = {0};

	sv_config_defaults(&cfg);
	if (sv_store_open(path, &st, &err) != SV_OK || !(snap = sv_snapshot_from_store(st, &err)))
		_exit(2);
	sv_registry_init(&reg, snap);
	svc.cfg = &cfg;
	svc.reg = &reg;
	svc.writer = sv_writer_new(st, &reg);
	x.method = "POST";
	x.target = "/fhir/ConceptMap/fault-2/$publish?reason=fault%20test";
	x.target_len = strlen(x.target);
	x.who = &who;
	x.peer = "127.0.0.1";
	sv_exchange_run(&svc, &x);
	_exit(x.status == 200 ? 0 : 3);
}

/* Runs one publish in a child, killed with SIGKILL after `delay_us` (never, when negative). Returns
 * the child's exit code, or -9 when it was killed. */
static int run_child(long delay_us)
{
	pid_t pid = fork();
	int status;

	cr_assert_geq(pid, 0);
	if (pid == 0)
		publish_in_child(work);
	if (delay_us >= 0) {
		struct timespec ts = {delay_us / 1000000L, (delay_us % 1000000L) * 1000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

/* The status of version `v` as the restarted daemon serves it. */
static char *served_status(const char *v)
{
	char path[256];
	long status;
	cJSON *b, *res;
	char *out;

	snprintf(path, sizeof(path), "/fhir/ConceptMap?url=" URL "&version=%s&_summary=true", v);
	b = ts_get_json(path, &status);
	cr_assert_eq(status, 200);
	cr_assert_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(b, "total")), 1, "version %s is served", v);
	res = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(b, "entry"), 0), "resource");
	out = strdup(cJSON_GetStringValue(cJSON_GetObjectItem(res, "status")));
	cJSON_Delete(b);
	return out;
}

/* Restarts the daemon on the work store and checks it serves exactly one state; returns 1 when the
 * publish happened, 0 when it did not. */
static int check_restart(void)
{
	struct ts_daemon d;
	char conf[200], port[16], *s1, *s2, *audit = NULL, args[200];
	int published;

	snprintf(conf, sizeof(conf), "store = %s", work);
	cr_assert_eq(ts_daemon_start(&d, conf), 0, "the daemon restarts on the store a kill left");
	snprintf(port, sizeof(port), "%u", d.port);
	setenv("SAMSVAR_TEST_PORT", port, 1);
	s1 = served_status("1");
	s2 = served_status("2");
	published = strcmp(s2, "active") == 0;
	if (published)
		cr_assert_str_eq(s1, "retired", "the new version is active, so the old one is retired");
	else
		cr_assert(strcmp(s1, "active") == 0 && strcmp(s2, "draft") == 0, "old state: 1 %s, 2 %s", s1, s2);
	cr_assert_eq(ts_daemon_stop(&d), 0);
	/* The audit trail says the same: a publish of fault-2 and a retire of fault-1, or neither. */
	snprintf(args, sizeof(args), "audit --store %s --limit 5", work);
	cr_assert_eq(ts_samsvar(args, &audit), 0, "%s", audit);
	cr_assert_eq(strstr(audit, "\"action\":\"publish\"") != NULL, published, "%s", audit);
	cr_assert_eq(strstr(audit, "\"action\":\"retire\"") != NULL, published, "%s", audit);
	free(audit);
	free(s1);
	free(s2);
	return published;
}

Test(fault, kill_9_during_publish_leaves_old_or_new, .timeout = 170)
{
	long full, t0;
	int outcomes[2] = {0, 0};
	char cmd[100];

	make_pristine();
	/* How long a whole publish takes here, so the kills land before, in and after it. */
	cr_assert_eq(copy_file(pristine, work), 0);
	t0 = now_us();
	cr_assert_eq(run_child(-1), 0, "an uninterrupted publish succeeds");
	full = now_us() - t0;
	cr_assert_eq(check_restart(), 1);
	srand((unsigned)getpid());
	for (int i = 0; i < ROUNDS; i++) {
		/* Spread over [0, 1.1 x full), jittered, so rounds differ from run to run. */
		long delay = full * i / ROUNDS + rand() % (full / ROUNDS + 1);
		cr_assert_eq(copy_file(pristine, work), 0);
		run_child(delay);
		outcomes[check_restart()]++;
	}
	cr_log_info("kill -9 during publish: %d rounds left the old version, %d the new (publish takes %ld us)",
		    outcomes[0], outcomes[1], full);
	cr_assert_gt(outcomes[0], 0, "some kill landed before the commit");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}
