/* bundle.h — the Bundles of searches and histories as FHIR REST clients page through them
 * (http://hl7.org/fhir/R4/search.html, bundle.html): _count (clamped to max_count), _offset,
 * _total, the links self/first/previous/next/last with the parameters actually used, and a fullUrl
 * per entry, all on the server's public base URL; and Prefer: handling=strict|lenient for
 * parameters a search does not know. */
#ifndef SAMSVAR_BUNDLE_H
#define SAMSVAR_BUNDLE_H

#include <cjson/cJSON.h>
#include "samsvar/fhirapi.h"

/* _total: whether the Bundle carries the number of matches (none leaves it out; estimate is
 * answered accurately, which costs nothing more here). */
enum sv_total { SV_TOTAL_ACCURATE, SV_TOTAL_ESTIMATE, SV_TOTAL_NONE };

/* One page of a search or history as the client asked for it. */
struct sv_page {
	long count;                   /* entries on the page, at most cfg->max_count; 0: the total only */
	long offset;                  /* matches skipped before the page (_offset) */
	enum sv_total total;
};

/* Reads _count (default `dflt`; above cfg->max_count it is clamped, not refused), _offset and
 * _total of req->params into *pg; anything else than a whole number >= 0 (or none, estimate,
 * accurate) is SV_EINVAL naming the parameter. */
enum sv_err sv_page_read(struct sv_request *req, long dflt, struct sv_page *pg);

/* Under Prefer: handling=strict, returns 1 with *out a 400 OperationOutcome holding one issue per
 * parameter of req->params not named in known[n] (and *status 400); under lenient handling (the
 * default) returns 0: such parameters are ignored, and sv_bundle_page leaves them out of the links. */
int sv_search_unknown(struct sv_request *req, const char *const *known, size_t n, cJSON **out, int *status);

/* Returns a new Bundle of `type` ("searchset", "history"). */
cJSON *sv_bundle_new(const char *type);

/* Adds to `bundle` the total (unless _total=none) of `total` matches and the links of page `pg` of
 * the search at `path` under the base URL ("CodeSystem", "CodeSystem/x/_history"): self, first and
 * last always (but with _count=0, self alone), previous and next where such pages exist. The links
 * repeat the request's parameters named in known[n] in the order sent (the paging ones written
 * anew), so a lenient search's ignored ones are left out. Call before adding entries. */
void sv_bundle_page(cJSON *bundle, const struct sv_request *req, const char *path, const struct sv_page *pg,
		    long total, const char *const *known, size_t n);

/* Returns the fullUrl {base}/{type}/{id} of a resource (malloc'd); the base is req->base, or the
 * configured default for a request made without one. */
char *sv_bundle_full_url(const struct sv_request *req, const char *type, const char *id);

/* Appends to bundle.entry (made on the first call) an entry with fullUrl {base}/{type}/{id}, the
 * resource `res` (ownership moves in) and, when `mode` is not NULL, search.mode; returns the entry. */
cJSON *sv_bundle_entry(cJSON *bundle, const struct sv_request *req, const char *type, const char *id, cJSON *res,
		       const char *mode);

#endif
