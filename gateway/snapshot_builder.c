/* snapshot_builder.c — collecting the resources of a snapshot under construction, by identity. */
#include "samsvar/jsonutil.h"
#include "snapshot_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sv_builder_init(struct sv_snapshot_builder *b)
{
	memset(b, 0, sizeof(*b));
	sv_strmap_init(&b->ids, 64);
}

static void drop_content(struct sv_snapshot_builder *b, size_t i)
{
	if (b->content[i]) {
		sv_content_release(b->content[i]);
		free(b->content[i]);
	}
	b->content[i] = NULL;
	b->content_id[i] = 0;
}

void sv_builder_release(struct sv_snapshot_builder *b)
{
	for (size_t i = 0; i < b->n; i++) {
		cJSON_Delete(b->items[i]);
		free(b->keys[i]);
		drop_content(b, i);
	}
	free(b->content);
	free(b->content_id);
	free(b->items);
	free(b->keys);
	free(b->reuse);
	free(b->hash);
	free(b->len);
	sv_strmap_release(&b->ids);
	memset(b, 0, sizeof(*b));
}

/* Puts `res` (owned; NULL for `reuse`, an unchanged code system of another snapshot) under the identity
 * "type|url|version", replacing an earlier resource with the same one; returns its index. With
 * `keep_twin`, a ConceptMap of an identity already put is kept beside it (a request layer: a client may
 * send two maps under one url and version, and $translate consults both). */
static size_t builder_slot(struct sv_snapshot_builder *b, const char *type, const char *url, const char *ver,
			   cJSON *res, const struct sv_codesystem *reuse, int keep_twin)
{
	size_t n;
	char *key;
	uint32_t i;

	if (!ver)
		ver = "";          /* a request layer's resource may have none */
	n = strlen(type) + strlen(url) + strlen(ver) + 3;
	key = sv_xmalloc(n);
	snprintf(key, n, "%s|%s|%s", type, url, ver);
	if (sv_strmap_get(&b->ids, key, &i) && !(keep_twin && strcmp(type, "ConceptMap") == 0)) {
		cJSON_Delete(b->items[i]);
		drop_content(b, i);
		b->items[i] = res;
		b->reuse[i] = reuse;
		b->len[i] = 0;
		free(key);
		return i;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->items = sv_xrealloc(b->items, b->cap * sizeof(*b->items));
		b->keys = sv_xrealloc(b->keys, b->cap * sizeof(*b->keys));
		b->reuse = sv_xrealloc(b->reuse, b->cap * sizeof(*b->reuse));
		b->hash = sv_xrealloc(b->hash, b->cap * sizeof(*b->hash));
		b->len = sv_xrealloc(b->len, b->cap * sizeof(*b->len));
		b->content = sv_xrealloc(b->content, b->cap * sizeof(*b->content));
		b->content_id = sv_xrealloc(b->content_id, b->cap * sizeof(*b->content_id));
	}
	b->content[b->n] = NULL;
	b->content_id[b->n] = 0;
	b->items[b->n] = res;
	b->keys[b->n] = key;
	b->reuse[b->n] = reuse;
	b->len[b->n] = 0;
	sv_strmap_put(&b->ids, key, (uint32_t)b->n);
	return b->n++;
}

static size_t builder_put(struct sv_snapshot_builder *b, cJSON *res, int keep_twin)
{
	return builder_slot(b, sv_jstr(res, "resourceType"), sv_jstr(res, "url"), sv_jstr(res, "version"), res, NULL,
			    keep_twin);
}

void sv_builder_put_codesystem(struct sv_snapshot_builder *b, const struct sv_codesystem *cs, cJSON *header)
{
	if (header)
		builder_slot(b, "CodeSystem", sv_jstr(header, "url"), sv_jstr(header, "version"), header, cs, 0);
	else
		builder_slot(b, "CodeSystem", cs->url, cs->version, NULL, cs, 0);
}

static enum sv_err builder_add(struct sv_snapshot_builder *b, cJSON *resource, int need_version,
			       struct sv_error *err)
{
	const char *type = sv_jstr(resource, "resourceType");

	if (!type || (strcmp(type, "CodeSystem") && strcmp(type, "ValueSet") && strcmp(type, "ConceptMap") &&
		      strcmp(type, "Library"))) {
		cJSON_Delete(resource);
		return sv_fail(err, SV_EINVAL, "resource is not a CodeSystem, ValueSet, ConceptMap or Library");
	}
	if (!sv_jstr(resource, "url") || (need_version && !sv_jstr(resource, "version"))) {
		sv_fail_at(err, SV_EINVAL, "url", need_version ? "%s needs both url and version" :
			   "%s needs a url", type);
		cJSON_Delete(resource);
		return SV_EINVAL;
	}
	b->last = builder_put(b, resource, !need_version);
	return SV_OK;
}

enum sv_err sv_builder_add(struct sv_snapshot_builder *b, cJSON *resource, struct sv_error *err)
{
	return builder_add(b, resource, 1, err);
}

enum sv_err sv_builder_add_hashed(struct sv_snapshot_builder *b, cJSON *resource, uint64_t hash, size_t len,
				  struct sv_content *content, int64_t content_id, struct sv_error *err)
{
	enum sv_err rc = builder_add(b, resource, 1, err);

	if (rc == SV_OK) {
		b->hash[b->last] = hash;
		b->len[b->last] = len;
		b->content[b->last] = content;
		b->content_id[b->last] = content_id;
	} else if (content) {
		sv_content_release(content);
		free(content);
	}
	return rc;
}

enum sv_err sv_builder_add_layer(struct sv_snapshot_builder *b, cJSON *resource, struct sv_error *err)
{
	return builder_add(b, resource, 0, err);
}
