/* test_import_merge_content.c — the same version imported again when the store holds it as content
 * (sv_import_merge_content(), import_merge.h): a re-import keeps what an earlier merge carried, a fragment
 * never replaces a fuller edition, a shrink is refused unless allowed, and nothing new is nothing stored. */
#include "samsvar/cscontent.h"
#include "samsvar/import_merge.h"
#include "samsvar/jsonutil.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define HEAD(content) \
	"{\"resourceType\":\"CodeSystem\",\"url\":\"http://snomed.info/sct\",\"version\":\"v1\",\"content\":\"" content "\""
#define PARENT(c) "{\"code\":\"parent\",\"valueCode\":\"" c "\"}"
#define MARKED "{\"code\":\"not-in-edition\",\"valueBoolean\":true}"

/* An edition: A; B and C is-a A. */
static const char EDITION[] = HEAD("complete") ",\"concept\":[{\"code\":\"A\",\"display\":\"Alpha\"},"
	"{\"code\":\"B\",\"display\":\"Beta\",\"property\":[" PARENT("A") "]},"
	"{\"code\":\"C\",\"display\":\"Gamma\",\"property\":[" PARENT("A") "]}]}";

/* What the store holds after that edition was merged with a fragment: M kept, marked (and declared). */
static const char STORED[] = HEAD("complete") ",\"property\":[{\"code\":\"not-in-edition\",\"type\":\"boolean\"}],"
	"\"concept\":[{\"code\":\"A\",\"display\":\"Alpha\"},"
	"{\"code\":\"B\",\"display\":\"Beta\",\"property\":[" PARENT("A") "]},"
	"{\"code\":\"C\",\"display\":\"Gamma\",\"property\":[" PARENT("A") "]},"
	"{\"code\":\"M\",\"display\":\"Mapped\",\"property\":[" MARKED "]}]}";

struct side {
	cJSON *header;
	struct sv_content c;
};

static void side(struct side *s, const char *json)
{
	struct sv_error err = { 0 };
	cJSON *cs = cJSON_Parse(json);

	cr_assert_not_null(cs, "%s", json);
	sv_content_init(&s->c);
	cr_assert_eq(sv_content_from_json(&s->c, cs, &err), SV_OK, "%s", err.message);
	/* The content no longer needs the JSON it was read from (its JSON pointers are not kept by a merge). */
	s->header = sv_content_header(cs);
	for (uint32_t i = 0; i < s->c.ndesig; i++)
		s->c.desig[i].json = NULL;
	for (uint32_t i = 0; i < s->c.nprop; i++)
		s->c.prop[i].json = NULL;
	for (uint32_t i = 0; i < s->c.nconcept; i++)
		s->c.concept[i].json = NULL;
	cJSON_Delete(cs);
}

static void side_release(struct side *s)
{
	cJSON_Delete(s->header);
	sv_content_release(&s->c);
}

static int has_marked(const struct sv_content *c, const char *code)
{
	int64_t i = sv_content_find(c, code);

	for (uint32_t j = 0; i >= 0 && j < c->concept[i].nprop; j++)
		if (strcmp(c->prop[c->concept[i].prop + j].code, "not-in-edition") == 0)
			return 1;
	return 0;
}

Test(merge_content, a_reimport_carries_what_an_earlier_merge_kept_and_stores_nothing)
{
	struct side fresh, old;
	struct sv_merge_report rep;
	struct sv_error err = { 0 };

	side(&fresh, EDITION);
	side(&old, STORED);
	cr_assert_eq(sv_import_merge_content(&fresh.header, &fresh.c, old.header, &old.c, 0, &rep, &err), SV_OK,
		     "%s", err.message);
	cr_assert_eq(rep.action, SV_MERGE_KEPT, "the store holds all it brings (%d: %s)", rep.action, rep.note);
	cr_assert_eq(fresh.c.nconcept, 4);
	cr_assert(has_marked(&fresh.c, "M"), "the marked concept is carried again, not lost");
	side_release(&fresh);
	side_release(&old);
}

Test(merge_content, an_edition_that_changed_is_merged_keeping_the_marked_concepts)
{
	struct side fresh, old;
	struct sv_merge_report rep;
	struct sv_error err = { 0 };

	side(&fresh, HEAD("complete") ",\"concept\":[{\"code\":\"A\",\"display\":\"Alpha\"},"
		     "{\"code\":\"B\",\"display\":\"Beta (new term)\",\"property\":[" PARENT("A") "]},"
		     "{\"code\":\"C\",\"display\":\"Gamma\",\"property\":[" PARENT("B") "]}]}");
	side(&old, STORED);
	cr_assert_eq(sv_import_merge_content(&fresh.header, &fresh.c, old.header, &old.c, 0, &rep, &err), SV_OK,
		     "%s", err.message);
	cr_assert_eq(rep.action, SV_MERGE_MERGED, "%d %s", rep.action, rep.note);
	cr_assert_eq(rep.carried, 1);
	cr_assert_str_eq(fresh.c.concept[sv_content_find(&fresh.c, "B")].display, "Beta (new term)");
	cr_assert_str_eq(fresh.c.concept[fresh.c.parent[fresh.c.concept[sv_content_find(&fresh.c, "C")].parent]].code, "B",
			 "the import's hierarchy wins");
	cr_assert(has_marked(&fresh.c, "M"));
	cr_assert(strstr(rep.note, "not-in-edition"), "%s", rep.note);
	side_release(&fresh);
	side_release(&old);
}

Test(merge_content, a_shrink_is_refused_naming_the_codes_unless_allowed)
{
	struct side fresh, old;
	struct sv_merge_report rep;
	struct sv_error err = { 0 };

	side(&fresh, HEAD("complete") ",\"concept\":[{\"code\":\"A\",\"display\":\"Alpha\"},"
		     "{\"code\":\"B\",\"display\":\"Beta\",\"property\":[" PARENT("A") "]}]}");
	side(&old, STORED);
	cr_assert_eq(sv_import_merge_content(&fresh.header, &fresh.c, old.header, &old.c, 0, &rep, &err), SV_ECONFLICT);
	cr_assert(strstr(err.message, "which it would remove: C (pass --allow-shrink"), "only C, not the marked M: %s",
		  err.message);
	cr_assert_eq(fresh.c.nconcept, 2, "a refused import is left as it was");
	cr_assert_eq(sv_import_merge_content(&fresh.header, &fresh.c, old.header, &old.c, 1, &rep, &err), SV_OK);
	cr_assert_eq(rep.action, SV_MERGE_SHRUNK);
	cr_assert_eq(rep.removed, 2, "C, and M with it");
	cr_assert_eq(fresh.c.nconcept, 2);
	side_release(&fresh);
	side_release(&old);
}

Test(merge_content, a_fragment_never_replaces_a_fuller_edition)
{
	struct side fresh, old;
	struct sv_merge_report rep;
	struct sv_error err = { 0 };

	/* The fragment: B with another designation, and X the edition lacks. */
	side(&fresh, HEAD("fragment") ",\"concept\":[{\"code\":\"B\",\"display\":\"Beta\",\"designation\":"
		     "[{\"language\":\"nb\",\"value\":\"Beta på norsk\"}]},{\"code\":\"X\",\"display\":\"Extra\"}]}");
	side(&old, EDITION);
	cr_assert_eq(sv_import_merge_content(&fresh.header, &fresh.c, old.header, &old.c, 0, &rep, &err), SV_OK,
		     "%s", err.message);
	cr_assert_eq(rep.action, SV_MERGE_MERGED, "%d %s", rep.action, rep.note);
	cr_assert_str_eq(sv_jstr(fresh.header, "content"), "complete", "the stored edition stays the base");
	cr_assert_eq(fresh.c.nconcept, 4);
	cr_assert(has_marked(&fresh.c, "X"));
	cr_assert_not(has_marked(&fresh.c, "B"));
	cr_assert_eq(fresh.c.concept[sv_content_find(&fresh.c, "B")].ndesig, 1, "the fragment's designation added");
	cr_assert_eq(fresh.c.concept[sv_content_find(&fresh.c, "B")].nparent, 1, "B keeps its parent");
	side_release(&fresh);
	side_release(&old);
}

Test(merge_content, a_larger_flat_fragment_keeps_the_parents_the_edition_knew)
{
	struct side fresh, old;
	struct sv_merge_report rep;
	struct sv_error err = { 0 };

	/* A flat fragment with more concepts than a small edition of the same version (the GPS over a test
	 * edition): the fragment is the base, its concepts keep the edition's parents. */
	side(&fresh, HEAD("fragment") ",\"concept\":[{\"code\":\"A\",\"display\":\"Alpha\"},{\"code\":\"B\",\"display\":"
		     "\"Beta\"},{\"code\":\"P\",\"display\":\"Pi\"},{\"code\":\"Q\",\"display\":\"Qoppa\"}]}");
	side(&old, EDITION);
	cr_assert_eq(sv_import_merge_content(&fresh.header, &fresh.c, old.header, &old.c, 0, &rep, &err), SV_OK,
		     "%s", err.message);
	cr_assert_eq(rep.action, SV_MERGE_MERGED);
	cr_assert_eq(rep.parents, 1, "B gets its parent from the edition");
	cr_assert_eq(rep.carried, 1, "C, which the fragment lacks");
	cr_assert_eq(fresh.c.nconcept, 5);
	cr_assert(has_marked(&fresh.c, "C"));
	cr_assert(strstr(rep.note, "keep the parents known for them"), "%s", rep.note);
	side_release(&fresh);
	side_release(&old);
}

Test(merge_content, a_changed_header_alone_is_stored)
{
	struct side fresh, old;
	struct sv_merge_report rep;
	struct sv_error err = { 0 };

	side(&fresh, EDITION);
	side(&old, STORED);
	cJSON_AddStringToObject(fresh.header, "title", "SNOMED CT (corrected title)");
	cr_assert_eq(sv_import_merge_content(&fresh.header, &fresh.c, old.header, &old.c, 0, &rep, &err), SV_OK,
		     "%s", err.message);
	cr_assert_neq(rep.action, SV_MERGE_KEPT, "a new title is something to store");
	cr_assert_str_eq(sv_jstr(fresh.header, "title"), "SNOMED CT (corrected title)");
	cr_assert(has_marked(&fresh.c, "M"));
	side_release(&fresh);
	side_release(&old);
}

Test(merge_content, the_stored_language_stays_and_the_import_s_titles_become_designations)
{
	struct side fresh, old;
	struct sv_merge_report rep;
	struct sv_error err = { 0 };
	const struct sv_content_concept *a;

	side(&fresh, "{\"resourceType\":\"CodeSystem\",\"url\":\"http://x/cs\",\"version\":\"1\",\"content\":\"complete\","
		     "\"language\":\"nb\",\"concept\":[{\"code\":\"a\",\"display\":\"Eple\"}]}");
	side(&old, "{\"resourceType\":\"CodeSystem\",\"url\":\"http://x/cs\",\"version\":\"1\",\"content\":\"complete\","
		   "\"language\":\"en\",\"concept\":[{\"code\":\"a\",\"display\":\"Apple\"}]}");
	cr_assert_eq(sv_import_merge_content(&fresh.header, &fresh.c, old.header, &old.c, 0, &rep, &err), SV_OK,
		     "%s", err.message);
	cr_assert_eq(rep.action, SV_MERGE_MERGED, "%d %s", rep.action, rep.note);
	cr_assert_str_eq(sv_jstr(fresh.header, "language"), "en");
	a = &fresh.c.concept[sv_content_find(&fresh.c, "a")];
	cr_assert_str_eq(a->display, "Apple");
	cr_assert_eq(a->ndesig, 1);
	cr_assert_str_eq(fresh.c.desig[a->desig].language, "nb");
	cr_assert_str_eq(fresh.c.desig[a->desig].value, "Eple");
	side_release(&fresh);
	side_release(&old);
}
