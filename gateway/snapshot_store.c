/* snapshot_store.c — snapshots built from the store, sharing unchanged code systems with the snapshot
 * they replace. */
#include "samsvar/store.h"
#include "samsvar/strmap.h"
#include "snapshot_private.h"

#include <stdlib.h>
#include <string.h>

struct visit {
	struct sv_snapshot_builder *b;
	const struct sv_snapshot *prev;
	struct sv_store *st;
	struct sv_error *err;
};

/* A code system of prev built from exactly these bytes and content id, or NULL. With `any_header`, one
 * built from content id `content` (not 0) whatever its row. */
static const struct sv_codesystem *same_codesystem(const struct sv_snapshot *prev, uint64_t hash, size_t len,
						   int64_t content, int any_header)
{
	for (uint32_t i = 0; prev && i < prev->ncs; i++) {
		const struct sv_cs_body *b = prev->cs[i].body;
		if (b && b->content_id == content && (any_header ? content != 0 : b->len == len && b->hash == hash))
			return &prev->cs[i];
	}
	return NULL;
}

static enum sv_err visit_store(void *ctx, const char *type, const char *json, size_t len, int64_t content)
{
	struct visit *v = ctx;
	struct sv_content *c = NULL;
	cJSON *res;
	enum sv_err rc;

	if (strcmp(type, "CodeSystem") == 0) {
		/* The row of a code system with content tables is small; its content id changes with its concepts. */
		uint64_t hash = sv_strhash(json, len);
		const struct sv_codesystem *same = same_codesystem(v->prev, hash, len, content, 0);
		if (same) {
			sv_builder_put_codesystem(v->b, same, NULL);
			return SV_OK;
		}
		if (!(res = cJSON_ParseWithLength(json, len)))
			return SV_ESTORE;
		/* A publish or a retire changes the row, not the concepts: only the header is new. */
		if ((same = same_codesystem(v->prev, hash, len, content, 1)) != NULL) {
			sv_builder_put_codesystem(v->b, same, res);
			return SV_OK;
		}
		if (content) {
			c = sv_xmalloc(sizeof(*c));
			sv_content_init(c);
			if ((rc = sv_store_content_load(v->st, content, c, v->err)) != SV_OK) {
				sv_content_release(c);
				free(c);
				cJSON_Delete(res);
				return rc;
			}
		}
		return sv_builder_add_hashed(v->b, res, hash, len, c, content, NULL);
	}
	if (!(res = cJSON_ParseWithLength(json, len)))
		return SV_ESTORE;
	return sv_builder_add(v->b, res, NULL);
}

struct sv_snapshot *sv_snapshot_from_store_over(struct sv_store *st, const struct sv_snapshot *prev,
						struct sv_error *err)
{
	struct sv_snapshot_builder b;
	struct visit v = { &b, prev, st, err };
	struct sv_snapshot *s = NULL;
	enum sv_err rc;

	sv_builder_init(&b);
	rc = sv_store_each(st, visit_store, &v, err);
	if (rc != SV_OK) {
		if (err && err->code == SV_OK)
			sv_fail(err, rc, "store holds a resource that cannot be read back");
		goto out;
	}
	s = sv_builder_build(&b, err);
out:
	sv_builder_release(&b);
	return s;
}

struct sv_snapshot *sv_snapshot_from_store(struct sv_store *st, struct sv_error *err)
{
	return sv_snapshot_from_store_over(st, NULL, err);
}
