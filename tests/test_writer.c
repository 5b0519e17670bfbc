/* test_writer.c — changes through the writer: the snapshot is rebuilt before the commit, content it
 * cannot serve is rolled back, and another process's commit is picked up by the poll. */
#include "samsvar/store.h"
#include "samsvar/writer.h"
#include "support/fixtures.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The IPLOS function variable list's OID and two of its codes (shared/terminology/iplos_9111_funksjonsvariabel.csv). */
#define IPLOS_URL "urn:oid:2.16.578.1.12.4.1.1.9111"

static char tmpdir[64], dbpath[128];
static struct sv_registry reg;
static struct sv_writer *w;

static cJSON *cs(const char *version, const char *second_code)
{
	char text[512];
	snprintf(text, sizeof(text), "{\"resourceType\":\"CodeSystem\",\"url\":\"" IPLOS_URL "\",\"version\":\"%s\","
		 "\"status\":\"draft\",\"concept\":[{\"code\":\"1\"},{\"code\":\"%s\"}]}", version, second_code);
	return ts_parse_json(text);
}

static void setup(void)
{
	struct sv_store *st = NULL;
	struct sv_error err = {0};

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sv-writer-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(dbpath, sizeof(dbpath), "%s/samsvar.db", tmpdir);
	cr_assert_eq(sv_store_open(dbpath, &st, &err), SV_OK, "%s", err.message);
	sv_registry_init(&reg, sv_snapshot_from_store(st, &err));
	w = sv_writer_new(st, &reg);
}

static void teardown(void)
{
	char cmd[128];
	sv_writer_free(w);
	sv_registry_release(&reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	(void)!system(cmd);
}

TestSuite(writer, .init = setup, .fini = teardown);

static uint32_t served_codesystems(void)
{
	struct sv_snapshot *s = sv_registry_acquire(&reg);
	uint32_t n = s->ncs;
	sv_snapshot_release(s);
	return n;
}

Test(writer, commit_swaps_and_unservable_content_is_rolled_back)
{
	struct sv_error err = {0};
	struct sv_store *st;
	cJSON *good = cs("1", "2"), *bad = cs("2", "1");   /* "1" twice: a snapshot refuses it */
	long n = -1;

	cr_assert_not_null(st = sv_writer_begin(w, &err));
	cr_assert_eq(sv_store_put(st, good, "t", "test", &err), SV_OK);
	cr_assert_eq(sv_writer_commit(w, &err), SV_OK, "%s", err.message);
	cr_assert_eq(served_codesystems(), 1, "the commit made the change current");

	cr_assert_not_null(st = sv_writer_begin(w, &err));
	cr_assert_eq(sv_store_put(st, bad, "t", "test", &err), SV_OK);
	cr_assert_eq(sv_writer_commit(w, &err), SV_EUNPROCESSABLE);
	cr_assert(strstr(err.message, "cannot be served"), "%s", err.message);
	cr_assert_eq(served_codesystems(), 1);
	st = sv_writer_read(w);
	cr_assert_eq(sv_store_count(st, &n, &err), SV_OK);
	sv_writer_done(w);
	cr_assert_eq(n, 1, "nothing of the refused change was committed");

	cr_assert_not_null(st = sv_writer_begin(w, &err));
	sv_writer_abort(w);
	cr_assert_eq(sv_writer_poll(w, 0, &err), 0, "its own commits need no reload");
	cJSON_Delete(good);
	cJSON_Delete(bad);
}

Test(writer, poll_picks_up_another_connection)
{
	struct sv_error err = {0};
	struct sv_store *other = NULL;
	cJSON *r = cs("1", "2");

	cr_assert_eq(sv_store_open(dbpath, &other, &err), SV_OK);
	cr_assert_eq(sv_store_put(other, r, "cli", "import", &err), SV_OK);
	sv_store_close(other);
	cr_assert_eq(sv_writer_poll(w, 0, &err), 1, "%s", err.message);
	cr_assert_eq(served_codesystems(), 1);
	cr_assert_eq(sv_writer_poll(w, 0, &err), 0);
	cr_assert_eq(sv_writer_poll(w, 1, &err), 1, "forced (SIGHUP)");
	cJSON_Delete(r);
}
