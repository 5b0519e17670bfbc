/* op_conceptmap.c — GET/POST /fhir/ConceptMap[/{id}]/$translate: reads the R4 or R5 Parameters into a
 * struct sv_tx_request, runs the engine (translate.c) and writes the answer, as JSON bytes or as a
 * cJSON tree (see op_conceptmap.h). */
#include "samsvar/op_conceptmap.h"
#include "samsvar/fhirapi.h"
#include "samsvar/jsonutil.h"
#include "samsvar/jsonw.h"
#include "samsvar/params.h"
#include "samsvar/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The parameters $translate reads, in the order the code forms are tried. */
enum slot {
	P_CODE, P_SOURCE_CODE, P_TARGET_CODE, P_CODING, P_SOURCE_CODING, P_TARGET_CODING, P_CC, P_SOURCE_CC,
	P_TARGET_CC, P_SYSTEM, P_SOURCE_SYSTEM, P_VERSION, P_SOURCE_VERSION, P_REVERSE, P_DEPENDENCY,
	P_TX_RESOURCE, P_CONCEPTMAP, P_TARGETSYSTEM, P_TARGET_SYSTEM, P_SOURCE, P_SOURCE_SCOPE, P_TARGET,
	P_TARGET_SCOPE, P_URL, P_CM_VERSION, NSLOTS
};

static const struct {
	const char *name;
	char r5;                /* an R5-only name: the answer takes the R5 shape */
} SLOTS[NSLOTS] = {
	[P_CODE] = {"code", 0}, [P_SOURCE_CODE] = {"sourceCode", 1}, [P_TARGET_CODE] = {"targetCode", 1},
	[P_CODING] = {"coding", 0}, [P_SOURCE_CODING] = {"sourceCoding", 1},
	[P_TARGET_CODING] = {"targetCoding", 1}, [P_CC] = {"codeableConcept", 0},
	[P_SOURCE_CC] = {"sourceCodeableConcept", 1}, [P_TARGET_CC] = {"targetCodeableConcept", 1},
	[P_SYSTEM] = {"system", 0}, [P_SOURCE_SYSTEM] = {"sourceSystem", 1}, [P_VERSION] = {"version", 0},
	[P_SOURCE_VERSION] = {"sourceVersion", 1}, [P_REVERSE] = {"reverse", 0},
	[P_DEPENDENCY] = {"dependency", 0}, [P_TX_RESOURCE] = {"tx-resource", 0},
	[P_CONCEPTMAP] = {"conceptMap", 0}, [P_TARGETSYSTEM] = {"targetsystem", 0},
	[P_TARGET_SYSTEM] = {"targetSystem", 1}, [P_SOURCE] = {"source", 0},
	[P_SOURCE_SCOPE] = {"sourceScope", 1}, [P_TARGET] = {"target", 0}, [P_TARGET_SCOPE] = {"targetScope", 1},
	[P_URL] = {"url", 0}, [P_CM_VERSION] = {"conceptMapVersion", 0},
};

/* Everything read from one request; the request struct borrows from here and from the Parameters. */
struct reading {
	const cJSON *first[NSLOTS];     /* the first parameter of each name, or NULL */
	int count[NSLOTS];
	int pos[NSLOTS];                /* where the first one is in the list */
	int r5;
	int target_form;                /* the code came as targetCode, targetCoding or targetCodeableConcept */
	struct sv_tx_request req;
	struct sv_tx_coding codings[SV_TX_MAX_CODINGS];
	struct sv_tx_dep deps[SV_TX_MAX_DEPS];
	cJSON *owned;                   /* a coding parsed from GET text, freed at the end */
	struct sv_snapshot *overlay;    /* tx-resource / conceptMap, freed at the end */
};

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* One pass over the parameters: the first of each known name and how many there are. */
static void scan(struct reading *r, const cJSON *params)
{
	const cJSON *p;
	int i = 0;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(params, "parameter")) {
		const char *name = sv_jstr(p, "name");
		i++;
		if (!name)
			continue;
		for (int s = 0; s < NSLOTS; s++) {
			/* the first letter settles most of the 25 names without a call */
			if (name[0] != SLOTS[s].name[0] || strcmp(name, SLOTS[s].name) != 0)
				continue;
			if (!r->count[s]++) {
				r->first[s] = p;
				r->pos[s] = i;
			}
			r->r5 |= SLOTS[s].r5;
			break;
		}
	}
}

static const char *text(const struct reading *r, enum slot s)
{
	return sv_param_text(r->first[s]);
}

/* The first of two names that is given as text (R4 name, then R5 name). */
static const char *text2(const struct reading *r, enum slot a, enum slot b)
{
	const char *t = text(r, a);
	return t ? t : text(r, b);
}

static void add_dep(struct reading *r, const char *attr, const char *system, const char *code)
{
	if (r->req.ndeps < SV_TX_MAX_DEPS)
		r->deps[r->req.ndeps++] = (struct sv_tx_dep){attr, system, code};
}

static void read_dep_value(struct reading *r, const char *attr, const cJSON *part)
{
	const cJSON *v, *c;

	if ((v = cJSON_GetObjectItemCaseSensitive(part, "valueCodeableConcept")) != NULL ||
	    (v = cJSON_GetObjectItemCaseSensitive(part, "concept")) != NULL) {
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(v, "coding"))
			if (sv_jstr(c, "code"))
				add_dep(r, attr, sv_jstr(c, "system"), sv_jstr(c, "code"));
		return;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(part, "valueCoding")) != NULL) {
		if (sv_jstr(v, "code"))
			add_dep(r, attr, sv_jstr(v, "system"), sv_jstr(v, "code"));
		return;
	}
	if (sv_param_text(part))
		add_dep(r, attr, NULL, sv_param_text(part));
	else if (cJSON_IsBool(v = cJSON_GetObjectItemCaseSensitive(part, "valueBoolean")))
		add_dep(r, attr, NULL, cJSON_IsTrue(v) ? "true" : "false");
}

static enum sv_err read_deps(struct reading *r, struct sv_error *err)
{
	const cJSON *p, *q;

	if (!r->count[P_DEPENDENCY])
		return SV_OK;
	for (p = r->first[P_DEPENDENCY]; p; p = p->next) {
		const char *attr;
		int nvalues = 0;
		if (!streq(sv_jstr(p, "name"), "dependency"))
			continue;
		if (!cJSON_GetObjectItemCaseSensitive(p, "part"))
			return sv_fail_at(err, SV_EINVAL, "dependency",
					  "dependency needs parts element/concept (R4) or attribute/value (R5)");
		attr = sv_params_string(p, "element");
		if (!attr)
			attr = sv_params_string(p, "attribute");
		cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(p, "part")) {
			const char *n = sv_jstr(q, "name");
			if (streq(n, "concept") || streq(n, "value")) {
				read_dep_value(r, attr, q);
				nvalues++;
			}
		}
		if (!nvalues)
			return sv_fail_at(err, SV_EINVAL, "dependency", "dependency has no concept/value part");
	}
	r->req.deps = r->deps;
	return SV_OK;
}

/* Reads a Coding parameter: borrowed from valueCoding, or parsed from GET text "system|code". */
static enum sv_err read_coding(struct reading *r, const cJSON *p, const char *name, struct sv_error *err)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(p, "valueCoding");

	if (!cJSON_IsObject(c)) {
		r->owned = sv_param_coding(p, name, err);
		if (!r->owned)
			return err ? err->code : SV_EINVAL;
		c = r->owned;
	}
	r->req.code = sv_jstr(c, "code");
	r->req.system = sv_jstr(c, "system");
	if (!r->req.code || !r->req.system)
		return sv_fail_at(err, SV_EINVAL, name, "%s needs system and code", name);
	if (sv_jstr(c, "version"))
		r->req.version = sv_jstr(c, "version");
	return SV_OK;
}

/* Reads the code to translate: exactly one of code / coding / codeableConcept in either naming. */
static enum sv_err read_input(struct reading *r, struct sv_error *err)
{
	enum slot chosen = NSLOTS;
	const cJSON *p, *cc, *c;
	const char *name;

	for (int s = P_CODE; s <= P_TARGET_CC; s++) {
		if (!r->count[s])
			continue;
		if (chosen != NSLOTS || r->count[s] > 1)
			return sv_fail_at(err, SV_EINVAL, SLOTS[s].name,
					  "give exactly one of code, coding or codeableConcept (also '%s' was given)",
					  SLOTS[chosen != NSLOTS ? chosen : (enum slot)s].name);
		chosen = (enum slot)s;
	}
	if (chosen == NSLOTS) {
		if (r->req.reverse)
			return sv_fail_at(err, SV_EINVAL, "reverse",
					  "reverse=true needs the target code to reverse (code+system or coding)");
		return sv_fail_at(err, SV_EREQUIRED, "code",
				  "no code to translate: give code+system, coding or codeableConcept "
				  "(R5: sourceCode+system, sourceCoding, sourceCodeableConcept or target*)");
	}
	name = SLOTS[chosen].name;
	p = r->first[chosen];
	if (r->req.reverse && strncmp(name, "source", 6) == 0)
		return sv_fail_at(err, SV_EINVAL, "reverse", "reverse=true cannot be combined with %s", name);
	r->req.reverse |= chosen == P_TARGET_CODE || chosen == P_TARGET_CODING || chosen == P_TARGET_CC;
	r->req.system = text2(r, P_SYSTEM, P_SOURCE_SYSTEM);
	/* R5's way back: targetCode's system is targetSystem, and sourceSystem (when given) names the system
	 * the sources are sought in. */
	r->target_form = chosen == P_TARGET_CODE || chosen == P_TARGET_CODING || chosen == P_TARGET_CC;
	if (r->target_form && !text(r, P_SYSTEM) && text(r, P_TARGET_SYSTEM))
		r->req.system = text(r, P_TARGET_SYSTEM);
	r->req.version = text2(r, P_VERSION, P_SOURCE_VERSION);
	switch (chosen) {
	case P_CODE: case P_SOURCE_CODE: case P_TARGET_CODE:
		r->req.code = sv_param_text(p);
		if (!r->req.code || !*r->req.code)
			return sv_fail_at(err, SV_EINVAL, name, "%s must be a non-empty code", name);
		if (!r->req.system)
			return sv_fail_at(err, SV_EREQUIRED, "system", "%s needs system", name);
		return SV_OK;
	case P_CODING: case P_SOURCE_CODING: case P_TARGET_CODING:
		return read_coding(r, p, name, err);
	default:
		if (!(cc = sv_param_codeableconcept(p, name, err)))
			return err ? err->code : SV_EINVAL;
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(cc, "coding")) {
			if (r->req.ncodings < SV_TX_MAX_CODINGS && sv_jstr(c, "code") && sv_jstr(c, "system"))
				r->codings[r->req.ncodings++] = (struct sv_tx_coding){sv_jstr(c, "system"),
										      sv_jstr(c, "code")};
		}
		if (!r->req.ncodings)
			return sv_fail_at(err, SV_EINVAL, name, "%s has no coding with system and code", name);
		r->req.codings = r->codings;
		return SV_OK;
	}
}

/* Builds the request overlay from tx-resource and conceptMap parameters (one pass, one hash insert
 * each); r->overlay stays NULL without any. */
static enum sv_err read_overlay(struct reading *r, struct sv_error *err)
{
	struct sv_snapshot_builder b;
	const cJSON *p, *from;
	const char *cm_url = NULL, *cm_ver = NULL;
	enum sv_err rc = SV_OK;

	if (!r->count[P_TX_RESOURCE] && !r->count[P_CONCEPTMAP])
		return SV_OK;
	/* Start at whichever of the two comes first in the list. */
	from = r->first[P_TX_RESOURCE];
	if (!from || (r->first[P_CONCEPTMAP] && r->pos[P_CONCEPTMAP] < r->pos[P_TX_RESOURCE]))
		from = r->first[P_CONCEPTMAP];
	sv_builder_init(&b);
	for (p = from; p; p = p->next) {
		const char *name = sv_jstr(p, "name");
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(p, "resource");
		int is_cm = streq(name, "conceptMap");
		if (!is_cm && !streq(name, "tx-resource"))
			continue;
		if (!cJSON_IsObject(res)) {
			rc = sv_fail_at(err, SV_EINVAL, name, "%s must carry a resource", name);
			goto out;
		}
		if (is_cm) {
			if (!streq(sv_jstr(res, "resourceType"), "ConceptMap")) {
				rc = sv_fail_at(err, SV_EINVAL, name, "conceptMap must be a ConceptMap");
				goto out;
			}
			cm_url = sv_jstr(res, "url");
			cm_ver = sv_jstr(res, "version");
		}
		rc = sv_builder_add_layer(&b, cJSON_Duplicate(res, 1), err);
		if (rc != SV_OK) {
			if (err)
				snprintf(err->expression, sizeof(err->expression), "%s", name);
			goto out;
		}
	}
	r->overlay = sv_builder_build(&b, err);
	if (!r->overlay) {
		rc = err && err->code != SV_OK ? err->code : SV_EINVAL;
		goto out;
	}
	r->req.overlay = r->overlay;
	if (cm_url)
		r->req.map = sv_snapshot_conceptmap(r->overlay, cm_url, cm_ver);
out:
	sv_builder_release(&b);
	return rc;
}

static enum sv_err read_request(struct reading *r, const cJSON *params, struct sv_error *err)
{
	enum sv_err rc;

	scan(r, params);
	if (r->first[P_REVERSE] && (rc = sv_param_bool(r->first[P_REVERSE], "reverse", &r->req.reverse, err)) != SV_OK)
		return rc;
	if ((rc = read_input(r, err)) != SV_OK || (rc = read_deps(r, err)) != SV_OK ||
	    (rc = read_overlay(r, err)) != SV_OK)
		return rc;
	r->req.target_system = text2(r, P_TARGETSYSTEM, P_TARGET_SYSTEM);
	if (r->target_form && text(r, P_TARGET_SYSTEM) && !text(r, P_TARGETSYSTEM))
		r->req.target_system = text(r, P_SOURCE_SYSTEM);
	r->req.source_scope = text2(r, P_SOURCE, P_SOURCE_SCOPE);
	r->req.target_scope = text2(r, P_TARGET, P_TARGET_SCOPE);
	r->req.map_url = text(r, P_URL);
	r->req.map_version = text(r, P_CM_VERSION);
	return SV_OK;
}

/* ---- the answer ---- */

/* The answer is written once against a JSON writer (jsonw.h): as compact bytes when the client takes
 * compact JSON, else as a cJSON tree. A tree is built with constant keys and, when they outlive it,
 * borrowed strings: the snapshot does (the HTTP layer renders the answer before it lets the snapshot
 * go), a request overlay does not. Half the cost of an uncached $translate was copying strings into
 * the answer and freeing them again; the byte writer copies each once, into the answer. */
struct out {
	struct sv_jsonw *w;
	int copy;               /* 1: strings may die before the tree does */
	const struct sv_tx_request *req;   /* its codes come back in unmapped answers: always copied */
};

static int from_request(const struct out *o, const char *s)
{
	if (!o->req)
		return 0;
	if (s == o->req->code)
		return 1;
	for (int i = 0; i < o->req->ncodings; i++)
		if (s == o->req->codings[i].code)
			return 1;
	return 0;
}

/* Writes member `key`: s (nothing when s is NULL). */
static void text_of(const struct out *o, const char *key, const char *s)
{
	if (o->copy || from_request(o, s))
		sv_jsonw_string(o->w, key, s);
	else
		sv_jsonw_string_ref(o->w, key, s);
}

/* Opens {"name": name, ... in the current array; `name` is a literal. Close it with sv_jsonw_end(). */
static void param(const struct out *o, const char *name)
{
	sv_jsonw_object(o->w, NULL);
	sv_jsonw_string_ref(o->w, "name", name);
}

/* Opens {"name": name, "part": [ ... ; close it with end_parts(). */
static void param_parts(const struct out *o, const char *name)
{
	param(o, name);
	sv_jsonw_array(o->w, "part");
}

static void end_parts(const struct out *o)
{
	sv_jsonw_end(o->w);
	sv_jsonw_end(o->w);
}

/* Writes {"name": name, key: s}; `key` is a literal. */
static void param_text(const struct out *o, const char *name, const char *key, const char *s)
{
	param(o, name);
	text_of(o, key, s);
	sv_jsonw_end(o->w);
}

/* As param_text(), for a string that dies before the tree does. */
static void param_copy(const struct out *o, const char *name, const char *key, const char *s)
{
	param(o, name);
	sv_jsonw_string(o->w, key, s);
	sv_jsonw_end(o->w);
}

static void coding(const struct out *o, const char *name, const char *system, const char *version,
		   const char *code, const char *display)
{
	param(o, name);
	sv_jsonw_object(o->w, "valueCoding");
	text_of(o, "system", system);
	text_of(o, "version", version);
	text_of(o, "code", code);
	text_of(o, "display", display);
	sv_jsonw_end(o->w);
	sv_jsonw_end(o->w);
}

/* Writes the value of a dependsOn or product that has a code. */
static void attr_value(const struct out *o, const struct sv_cm_attr *a, int r5)
{
	if (r5 && a->r5_type) {   /* an R5 map's own value[x] is passed on as it is */
		param(o, "value");
		sv_jsonw_value(o->w, a->r5_type, (const cJSON *)a->r5_value);
		sv_jsonw_end(o->w);
	} else if (r5 && !a->system) {
		param_text(o, "value", "valueString", a->code);
	} else {
		coding(o, r5 ? "value" : "concept", a->system, NULL, a->code, a->display);
	}
}

/* Writes a dependsOn or product of a map target as a part named `name`. */
static void add_attr(const struct out *o, const char *name, const struct sv_cm_attr *a, int r5)
{
	param_parts(o, name);
	if (a->attribute)
		param_text(o, r5 ? "attribute" : "element", "valueUri", a->attribute);
	if (a->code)
		attr_value(o, a, r5);
	end_parts(o);
}

/* Writes "url|version" (or "url") into buf, cut to fit as snprintf would. */
static void canonical(char *buf, size_t cap, const struct sv_resource *map)
{
	size_t n = 0;
	const char *pieces[3] = {map->url, map->version ? "|" : "", map->version ? map->version : ""};

	for (int i = 0; i < 3 && pieces[i]; i++) {
		size_t len = strlen(pieces[i]);
		if (len > cap - 1 - n)
			len = cap - 1 - n;
		memcpy(buf + n, pieces[i], len);
		n += len;
	}
	buf[n] = '\0';
}

static void add_match(const struct out *o, const struct sv_tx_match *m, int r5)
{
	char buf[1024];

	param_parts(o, "match");
	if (r5)
		param_text(o, "relationship", "valueCode", sv_relation_r5(m->relation));
	else
		param_text(o, "equivalence", "valueCode", m->equivalence);
	if (m->code)
		coding(o, "concept", m->system, m->version, m->code, m->display);
	for (unsigned i = 0; i < m->nproducts; i++)
		add_attr(o, "product", &m->products[i], r5);
	if (m->qualifier.code) {
		/* The ICF qualifier the engine derived (translate.h): property = qualifier system#kind. */
		struct sv_cm_attr q = {.system = m->qualifier.system, .code = m->qualifier.code,
				       .display = m->qualifier.display};
		snprintf(buf, sizeof(buf), "%s#%s", m->qualifier.system, m->qualifier.kind);
		q.attribute = buf;
		add_attr(o, "product", &q, r5);
	}
	for (unsigned i = 0; i < m->ndepends; i++)
		add_attr(o, "dependsOn", &m->depends_on[i], r5);
	for (int i = 0; i < m->npath; i++) {
		canonical(buf, sizeof(buf), m->path[i]);
		if (!r5 && i == 0)
			param_copy(o, "source", "valueUri", buf);
		if (r5 || m->npath > 1)
			param_copy(o, "originMap", "valueCanonical", buf);
	}
	end_parts(o);
}

/* Writes the answer to `r` for `req` into w, borrowing snapshot strings (NULL req: copy every
 * string). */
static void answer(struct sv_jsonw *w, const struct sv_tx_result *r, const struct sv_tx_request *req,
		   int fhir_version)
{
	const struct out o = {w, !req || req->overlay, req};

	sv_jsonw_object(w, NULL);
	sv_jsonw_string_ref(w, "resourceType", "Parameters");
	sv_jsonw_array(w, "parameter");
	param(&o, "result");
	sv_jsonw_bool(w, "valueBoolean", r->result);
	sv_jsonw_end(w);
	if (r->message[0])
		param_copy(&o, "message", "valueString", r->message);
	for (size_t i = 0; i < r->nmatches; i++)
		add_match(&o, &r->matches[i], fhir_version >= 5);
	sv_jsonw_end(w);
	sv_jsonw_end(w);
}

cJSON *sv_translate_answer(const struct sv_tx_result *r, int fhir_version)
{
	struct sv_jsonw w;

	sv_jsonw_init(&w, 1);
	answer(&w, r, NULL, fhir_version);
	return sv_jsonw_take_tree(&w);
}

enum sv_err sv_op_cm_translate(struct sv_request *req, cJSON **out, int *status)
{
	struct reading rd, *r = &rd;   /* on the stack: a large malloc per request costs more than it looks */
	struct sv_tx_result res = {0};
	struct sv_jsonw w;
	enum sv_err rc;

	*out = NULL;
	memset(r, 0, sizeof(*r));
	sv_jsonw_init(&w, !req->want_json);
	if (req->params && !req->params_checked && (rc = sv_params_check(req->params, &req->err)) != SV_OK)
		goto out;
	if ((rc = read_request(r, req->params, &req->err)) != SV_OK)
		goto out;
	r->req.map_id = req->id;
	if ((rc = sv_translate(req->snap, &r->req, &res, &req->err)) != SV_OK)
		goto out;
	/* Borrowed strings stay valid: req->snap is released after the answer is rendered. */
	answer(&w, &res, &r->req, req->fhir_version >= 5 || r->r5 ? 5 : 4);
	if (req->want_json)
		req->json = sv_jsonw_take_bytes(&w, &req->json_len);
	else
		*out = sv_jsonw_take_tree(&w);
	if (status)
		*status = 200;
out:
	sv_jsonw_release(&w);
	sv_tx_result_release(&res);
	cJSON_Delete(r->owned);
	sv_snapshot_release(r->overlay);
	return rc;
}
