/* translate.h — the $translate engine: a typed request in, a list of matches out (no FHIR shapes; the
 * FHIR edge is op_conceptmap.c, the CLI cli_translate.c, and $assess and the batch call it directly).
 *
 * Behaviour decided here (the spec leaves it open):
 * - Without a pinned map (map, map_id or map_url) every map that applies answers (the latest version of
 *   each url, maps of the overlay first); every match of every map is returned, not only the first.
 * - dependsOn: when the request gives no dependency, targets with dependsOn are returned together with
 *   their conditions (match->depends_on); when it gives any, a target matches only when every one of
 *   its dependsOn is satisfied by a request dependency (same attribute, or same code system, and same
 *   code).
 * - Reverse: every source that maps to the target is returned, its equivalence turned around
 *   (wider<->narrower, subsumes<->specializes).
 * - Chains: only when no map is pinned, a target system is asked for, and no map says anything (not even
 *   unmatched) about the code in that system: the engine composes up to 3 maps without cycles, and only
 *   the shortest chains that reach the system answer. A link may read a map backwards (FSIII -> IPLOS
 *   through the IPLOS -> FSIII map) except the last one; the message marks it "(read in reverse)". The
 *   composed equivalence is the weakest link (equivalent > wider/narrower > inexact/relatedto; wider
 *   with narrower gives inexact). match->path lists every map in order.
 * - Unmapped: `provided`/`use-source-code` answers the source code as equivalent in the group's target
 *   system, `fixed` the given code as inexact (unless the R5 map gives unmapped.relationship),
 *   `other-map` follows the named map.
 * - Qualifiers: a map that names a qualifier map (extension qualifier-map; in mappings/ `@qualifierMap`)
 *   qualifies each of its ICF targets that declares a qualifier kind (extension icf-qualifier; the
 *   `qualifier` column) when the request gives a dependency the qualifier map translates: "variable 7,
 *   score 4" through iplos-icf gives d510 with the qualifier 3 (match->qualifier, rendered as a product).
 *   Only on a direct match read forward, whose relation is equivalent, wider or narrower and whose code
 *   takes that kind (icf_rule.h: a category, impairment for b/s, performance or capacity for d); the
 *   qualifier is the first target of the qualifier map for the dependency's code (score 9 -> 9, not
 *   applicable, as the shipped map says). Without such a dependency nothing changes.
 *
 * Every string in a result is borrowed from the snapshot (or the overlay) the request read: keep both
 * until the result is released. */
#ifndef SAMSVAR_TRANSLATE_H
#define SAMSVAR_TRANSLATE_H

#include <stddef.h>
#include "samsvar/cmindex.h"
#include "samsvar/error.h"

struct sv_snapshot;
struct sv_resource;

#define SV_TX_MAX_PATH 3       /* maps in one chain (other-map hops count too) */
#define SV_TX_MAX_CODINGS 32   /* codings of one CodeableConcept translated */
#define SV_TX_MAX_DEPS 32      /* dependencies read from one request */
#define SV_TX_MAX_MATCHES 1024 /* matches in one answer */

/* A code to translate (one coding of a CodeableConcept). */
struct sv_tx_coding {
	const char *system, *code;
};

/* A dependency the request states: a target with dependsOn matches only when these satisfy it. */
struct sv_tx_dep {
	const char *attribute;         /* NULL: any attribute */
	const char *system;            /* NULL: any system */
	const char *code;
};

/* What to translate and with which maps; NULL / 0 fields are "not given". Strings are borrowed. */
struct sv_tx_request {
	const char *system, *version, *code;          /* the code (ignored when ncodings > 0) */
	const struct sv_tx_coding *codings;            /* or several codings of one CodeableConcept */
	int ncodings;
	const char *target_system;                     /* answer only codes in this system */
	const char *source_scope, *target_scope;       /* only maps with these scopes (unpinned) */
	const struct sv_resource *map;                 /* pinned: this map (e.g. an inline conceptMap) */
	const char *map_id;                            /* pinned: the map with this FHIR id */
	const char *map_url, *map_version;             /* pinned: canonical url ("url|version" allowed) */
	const struct sv_tx_dep *deps;
	int ndeps;
	int reverse;                                   /* the code is a target: find its sources */
	const struct sv_snapshot *overlay;             /* request-scoped maps and code systems, or NULL */
};

/* One answer. */
struct sv_tx_match {
	enum sv_relation relation;
	const char *equivalence;       /* R4 word: the map's own for a direct match ("subsumes"), else
					* sv_relation_r4(relation) */
	const char *system, *version, *code, *display;   /* code NULL: the map says "no map" */
	const struct sv_resource *path[SV_TX_MAX_PATH];  /* the maps, first to last */
	unsigned char backwards[SV_TX_MAX_PATH];         /* 1: that map was read from target to source */
	int npath;
	const struct sv_cm_attr *depends_on;             /* conditions of the map target */
	unsigned ndepends;
	const struct sv_cm_attr *products;               /* products (none when read backwards) */
	unsigned nproducts;
	const char *comment;                             /* the map target's comment, or NULL */
	struct sv_tx_qualifier {
		const char *kind;                        /* "impairment", "performance", "capacity" */
		const char *system, *code, *display;     /* code NULL: no qualifier */
		const struct sv_resource *map;           /* the qualifier map that gave it */
	} qualifier;
};

/* The answer: `result` is 1 when some match relates a code (not unmatched/disjoint); `message` is
 * empty or a sentence for the user (no translation, a chain's path, "no match"). Small answers keep
 * their matches inside the struct (no allocation per request), so a result is not copied by value. */
struct sv_tx_result {
	struct sv_tx_match *matches;
	size_t nmatches;
	int result;
	char message[1024];
	struct sv_tx_match small[16];
};

/* Translates `req` against `snap` (and req->overlay, consulted first). On SV_OK fills *out (release it
 * with sv_tx_result_release()); on error *out is empty and err says why: SV_ENOTFOUND for a pinned map
 * that is not held (expression "url" or "conceptMapVersion"), SV_EINVAL for a version without url,
 * SV_EREQUIRED when no code is given. */
enum sv_err sv_translate(const struct sv_snapshot *snap, const struct sv_tx_request *req,
			 struct sv_tx_result *out, struct sv_error *err);

/* Frees what sv_translate() allocated in `r` and empties it; an empty result is allowed. */
void sv_tx_result_release(struct sv_tx_result *r);

#endif
