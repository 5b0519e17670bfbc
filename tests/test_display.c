/* test_display.c — the one display-language rule ($lookup and $expand) and the one invalid-display
 * answer (both $validate-code forms), over a small made-up code system in Norwegian Bokmål. */
#include "samsvar/display.h"
#include "samsvar/params.h"
#include "support/fixtures.h"
#include "support/support.h"

#include <criterion/criterion.h>
#include <string.h>

static const char CS[] =
	"[{\"resourceType\":\"CodeSystem\",\"id\":\"t\",\"url\":\"https://example.org/t\",\"version\":\"1\","
	"\"status\":\"active\",\"language\":\"nb\",\"content\":\"complete\",\"concept\":["
	"{\"code\":\"A\",\"display\":\"Alfa\",\"designation\":["
	"{\"language\":\"en-GB\",\"value\":\"Alpha (GB)\"},{\"language\":\"en\",\"value\":\"Alpha\"},"
	"{\"language\":\"da-DK\",\"value\":\"Alfa på dansk\"},{\"language\":\"nb-NO\",\"value\":\"Alfa (NO)\"}]},"
	"{\"code\":\"B\",\"display\":\"Beta\"}]},"
	"{\"resourceType\":\"CodeSystem\",\"id\":\"u\",\"url\":\"https://example.org/u\",\"version\":\"1\","
	"\"status\":\"active\",\"content\":\"complete\",\"concept\":["
	"{\"code\":\"X\",\"display\":\"Ex\",\"designation\":[{\"language\":\"EN\",\"value\":\"Ex (en)\"}]}]}]";

static struct sv_snapshot *snap;

static void setup(void)
{
	snap = ts_snapshot_of(cJSON_Parse(CS));
}

static void teardown(void)
{
	sv_snapshot_release(snap);
}

TestSuite(display, .init = setup, .fini = teardown);

Test(display, language_tags_match_as_bcp47)
{
	cr_assert_eq(sv_lang_match("en", "en"), 3);
	cr_assert_eq(sv_lang_match("EN-gb", "en-GB"), 3, "tags are case-insensitive");
	cr_assert_eq(sv_lang_match("en", "en-GB"), 2, "a request falls back to the broader tag");
	cr_assert_eq(sv_lang_match("en-GB", "en"), 1, "a narrower tag still answers a broad request");
	cr_assert_eq(sv_lang_match("eng", "en"), 0, "subtags end at '-' only");
	cr_assert_eq(sv_lang_match("en", "e"), 0);
	cr_assert_eq(sv_lang_match(NULL, "en"), 0);
	cr_assert_eq(sv_lang_match("en", ""), 0);
}

static const char *in(const char *url, const char *code, const char *lang)
{
	const struct sv_codesystem *cs = sv_snapshot_codesystem(snap, url, NULL);

	cr_assert_not_null(cs);
	return sv_display_in(cs, sv_codesystem_concept(cs, code), lang);
}

Test(display, display_in_a_language)
{
	cr_assert_str_eq(in("https://example.org/t", "A", NULL), "Alfa", "no preference: the display");
	cr_assert_str_eq(in("https://example.org/t", "A", ""), "Alfa");
	cr_assert_str_eq(in("https://example.org/t", "A", "en"), "Alpha", "the exact tag before en-GB");
	cr_assert_str_eq(in("https://example.org/t", "A", "en-GB"), "Alpha (GB)");
	cr_assert_str_eq(in("https://example.org/t", "A", "en-US"), "Alpha", "en-US falls back to en");
	cr_assert_str_eq(in("https://example.org/t", "A", "da"), "Alfa på dansk", "da is answered by da-DK");
	cr_assert_str_eq(in("https://example.org/t", "A", "nb"), "Alfa", "the code system's language");
	cr_assert_str_eq(in("https://example.org/t", "A", "nb-NO"), "Alfa (NO)",
			 "a designation in exactly the asked tag goes before the broader code system language");
	cr_assert_str_eq(in("https://example.org/t", "A", "sv"), "Alfa", "no Swedish: the display");
	cr_assert_str_eq(in("https://example.org/t", "B", "en"), "Beta", "no designations: the display");
	cr_assert_str_eq(in("https://example.org/u", "X", "en"), "Ex (en)",
			 "no code system language: the designation");
}
