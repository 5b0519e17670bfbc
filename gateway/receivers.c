/* receivers.c — the receiver directory file (receivers.h). */
#include "samsvar/receivers.h"
#include "samsvar/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_COLS 16
#define MAX_LINE 8192

enum col { C_ID, C_NAME, C_HER, C_ENDPOINT, C_FORMAT, C_CERT, C_KEY, C_CA, C_N };
static const char *const COLS[C_N] = {"id", "name", "her_id", "endpoint", "format", "tls_cert", "tls_key",
				      "tls_ca"};

const char *sv_recv_format_name(enum sv_recv_format f)
{
	switch (f) {
	case SV_RECV_KITH:
		return "kith";
	case SV_RECV_FHIR_JSON:
		return "fhir-json";
	case SV_RECV_FHIR_XML:
		return "fhir-xml";
	}
	return "?";
}

const char *sv_recv_format_media(enum sv_recv_format f)
{
	switch (f) {
	case SV_RECV_KITH:
		return "application/xml; charset=utf-8";
	case SV_RECV_FHIR_JSON:
		return "application/fhir+json; charset=utf-8";
	case SV_RECV_FHIR_XML:
		return "application/fhir+xml; charset=utf-8";
	}
	return "application/octet-stream";
}

enum sv_recv_format sv_recv_format_of_media(const char *media)
{
	if (media && strstr(media, "fhir+json"))
		return SV_RECV_FHIR_JSON;
	if (media && strstr(media, "fhir+xml"))
		return SV_RECV_FHIR_XML;
	return SV_RECV_KITH;
}

static void receiver_free(struct sv_receiver *r)
{
	free(r->id);
	free(r->name);
	free(r->her_id);
	free(r->endpoint);
	free(r->tls_cert);
	free(r->tls_key);
	free(r->tls_ca);
	memset(r, 0, sizeof(*r));
}

void sv_receivers_release(struct sv_receivers *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		receiver_free(&rs->r[i]);
	free(rs->r);
	rs->r = NULL;
	rs->n = 0;
}

const struct sv_receiver *sv_receivers_find(const struct sv_receivers *rs, const char *id)
{
	/* A linear scan: the directory is small and read per message, not per byte of input. */
	for (size_t i = 0; id && i < rs->n; i++)
		if (strcmp(rs->r[i].id, id) == 0)
			return &rs->r[i];
	return NULL;
}

/* Splits `line` at tabs in place; returns the number of fields, or -1 over MAX_COLS. */
static int split(char *line, char **f)
{
	int n = 0;
	for (char *p = line;;) {
		char *tab = strchr(p, '\t');
		if (n == MAX_COLS)
			return -1;
		f[n++] = p;
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	return n;
}

static int is_fhir_id(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= 64 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

static int has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

static enum sv_err check_row(const struct sv_receiver *r, const struct sv_receivers *rs, int check_files,
			     struct sv_error *err)
{
	const char *files[3] = {r->tls_cert, r->tls_key, r->tls_ca};

	if (!is_fhir_id(r->id))
		return sv_fail(err, SV_ECONFIG, "id '%.64s' is not 1-64 of A-Z a-z 0-9 - .", r->id);
	if (sv_receivers_find(rs, r->id))
		return sv_fail(err, SV_ECONFIG, "receiver id '%s' is given twice", r->id);
	if (!*r->name || has_ctl(r->name))
		return sv_fail(err, SV_ECONFIG, "receiver %s: name is empty or holds control characters", r->id);
	if (!*r->her_id || strlen(r->her_id) > 20 || strspn(r->her_id, "0123456789") != strlen(r->her_id))
		return sv_fail(err, SV_ECONFIG, "receiver %s: her_id '%.40s' is not a HER-id (digits)", r->id,
			       r->her_id);
	if ((strncmp(r->endpoint, "http://", 7) != 0 && strncmp(r->endpoint, "https://", 8) != 0) ||
	    strlen(r->endpoint) > 1000 || has_ctl(r->endpoint) || strchr(r->endpoint, ' '))
		return sv_fail(err, SV_ECONFIG, "receiver %s: endpoint '%.200s' is not an http(s) URL", r->id,
			       r->endpoint);
	if ((r->tls_cert == NULL) != (r->tls_key == NULL))
		return sv_fail(err, SV_ECONFIG, "receiver %s: tls_cert and tls_key go together", r->id);
	for (int i = 0; check_files && i < 3; i++)
		if (files[i] && access(files[i], R_OK) != 0)
			return sv_fail(err, SV_ECONFIG, "receiver %s: cannot read %s %s", r->id, COLS[C_CERT + i],
				       files[i]);
	return SV_OK;
}

static enum sv_err parse(const char *text, size_t len, const char *name, int check_files,
			 struct sv_receivers *out, struct sv_error *err)
{
	int idx[C_N], lineno = 0, have_header = 0;
	size_t pos = 0, cap = 0;
	char line[MAX_LINE];
	struct sv_receiver r;
	enum sv_err rc = SV_OK;
	char msg[sizeof(err->message)];

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	while (pos < len && rc == SV_OK) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *f[MAX_COLS];
		int nf;

		lineno++;
		if (n >= sizeof(line)) {
			rc = sv_fail(err, SV_ECONFIG, "line longer than %d bytes", MAX_LINE - 1);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (memchr(line, '\0', n)) {
			rc = sv_fail(err, SV_ECONFIG, "NUL byte in line");
			break;
		}
		if (n == 0 || line[0] == '#')
			continue;
		if ((nf = split(line, f)) < 0) {
			rc = sv_fail(err, SV_ECONFIG, "more than %d columns", MAX_COLS);
			break;
		}
		if (!have_header) {
			for (int c = 0; c < C_N; c++)
				idx[c] = -1;
			for (int i = 0; i < nf; i++)
				for (int c = 0; c < C_N; c++)
					if (strcmp(f[i], COLS[c]) == 0)
						idx[c] = i;
			for (int c = 0; c < C_FORMAT + 1 && rc == SV_OK; c++)
				if (idx[c] < 0)
					rc = sv_fail(err, SV_ECONFIG, "the header line has no column '%s' (needs id, "
						     "name, her_id, endpoint, format)", COLS[c]);
			have_header = 1;
			continue;
		}
		if (out->n == SV_RECEIVERS_MAX) {
			rc = sv_fail(err, SV_ECONFIG, "more than %d receivers", SV_RECEIVERS_MAX);
			break;
		}
		{
			char *v[C_N];
			for (int c = 0; c < C_N; c++)
				v[c] = idx[c] >= 0 && idx[c] < nf ? f[idx[c]] : "";
			r.id = sv_xstrdup(v[C_ID]);
			r.name = sv_xstrdup(v[C_NAME]);
			r.her_id = sv_xstrdup(v[C_HER]);
			r.endpoint = sv_xstrdup(v[C_ENDPOINT]);
			r.tls_cert = *v[C_CERT] ? sv_xstrdup(v[C_CERT]) : NULL;
			r.tls_key = *v[C_KEY] ? sv_xstrdup(v[C_KEY]) : NULL;
			r.tls_ca = *v[C_CA] ? sv_xstrdup(v[C_CA]) : NULL;
			if (strcmp(v[C_FORMAT], "kith") == 0)
				r.format = SV_RECV_KITH;
			else if (strcmp(v[C_FORMAT], "fhir-json") == 0)
				r.format = SV_RECV_FHIR_JSON;
			else if (strcmp(v[C_FORMAT], "fhir-xml") == 0)
				r.format = SV_RECV_FHIR_XML;
			else
				rc = sv_fail(err, SV_ECONFIG, "receiver %.64s: format '%.40s' is not kith, fhir-json "
					     "or fhir-xml", r.id, v[C_FORMAT]);
		}
		if (rc == SV_OK)
			rc = check_row(&r, out, check_files, err);
		if (rc != SV_OK)
			break;
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->r = sv_xrealloc(out->r, cap * sizeof(*out->r));
		}
		out->r[out->n++] = r;
		memset(&r, 0, sizeof(r));
	}
	if (rc == SV_OK && !have_header)
		rc = sv_fail(err, SV_ECONFIG, "no header line (id, name, her_id, endpoint, format)");
	if (rc != SV_OK) {
		receiver_free(&r);
		sv_receivers_release(out);
		if (err) {
			snprintf(msg, sizeof(msg), "%s", err->message);
			sv_fail(err, rc, "%s:%d: %s", name, lineno, msg);
		}
	}
	return rc;
}

enum sv_err sv_receivers_parse(const char *text, size_t len, const char *name, struct sv_receivers *out,
			       struct sv_error *err)
{
	return parse(text, len, name, 0, out, err);
}

enum sv_err sv_receivers_load(const char *path, struct sv_receivers *out, struct sv_error *err)
{
	size_t n = 0;
	char *buf;
	enum sv_err rc;

	memset(out, 0, sizeof(*out));
	if (!(buf = sv_file_read(path, SV_RECEIVERS_MAX_BYTES, &n, err)))
		return err ? err->code : SV_EIO;
	rc = parse(buf, n, path, 1, out, err);
	free(buf);
	return rc;
}
