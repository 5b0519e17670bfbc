/* op_audit.c — GET /fhir/AuditEvent: the store's audit trail as FHIR R4 AuditEvents, searched by
 * entity, agent, action and date, newest first, paged with _count and _offset (bundle.h). */
#include "samsvar/bundle.h"
#include "samsvar/jsonutil.h"
#include "samsvar/params.h"
#include "samsvar/store_history.h"
#include "samsvar/writer.h"

#include <stdio.h>
#include <string.h>


/* The AuditEvent.action of a change (R4 AuditEventAction: C, U, D; E for the workflow). */
static const char *action_code(const char *action)
{
	if (strcmp(action, "create") == 0)
		return "C";
	if (strcmp(action, "update") == 0)
		return "U";
	if (strcmp(action, "delete") == 0)
		return "D";
	return "E";
}

static void add_detail(cJSON *entity, const char *type, const char *value)
{
	cJSON *d;
	if (!value)
		return;
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "type", type);
	cJSON_AddStringToObject(d, "valueString", value);
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(entity, "detail"), d);
}

/* One audit row (sv_history_audit_search) as an AuditEvent. */
static cJSON *audit_event(const cJSON *row)
{
	cJSON *ev = cJSON_CreateObject(), *type, *agents, *agent, *who, *source, *observer, *entity, *what;
	const char *id = sv_jstr(row, "id"), *peer = sv_jstr(row, "peer");
	const cJSON *vid = cJSON_GetObjectItemCaseSensitive(row, "vid");
	char buf[300];

	cJSON_AddStringToObject(ev, "resourceType", "AuditEvent");
	snprintf(buf, sizeof(buf), "%.0f", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(row, "seq")));
	cJSON_AddStringToObject(ev, "id", buf);
	type = cJSON_AddObjectToObject(ev, "type");
	cJSON_AddStringToObject(type, "system", "http://terminology.hl7.org/CodeSystem/audit-event-type");
	cJSON_AddStringToObject(type, "code", "rest");
	cJSON_AddStringToObject(type, "display", "RESTful Operation");
	cJSON_AddStringToObject(ev, "action", action_code(sv_jstr(row, "action")));
	cJSON_AddStringToObject(ev, "recorded", sv_jstr(row, "ts"));
	cJSON_AddStringToObject(ev, "outcome", "0");
	agents = cJSON_AddArrayToObject(ev, "agent");
	agent = cJSON_CreateObject();
	who = cJSON_AddObjectToObject(agent, "who");
	cJSON_AddStringToObject(who, "display", sv_jstr(row, "actor"));
	cJSON_AddStringToObject(agent, "name", sv_jstr(row, "actor"));
	cJSON_AddBoolToObject(agent, "requestor", 1);
	if (peer) {
		cJSON *net = cJSON_AddObjectToObject(agent, "network");
		cJSON_AddStringToObject(net, "address", peer);
		cJSON_AddStringToObject(net, "type", "2");      /* IP address (AuditEventAgentNetworkType) */
	}
	cJSON_AddItemToArray(agents, agent);
	source = cJSON_AddObjectToObject(ev, "source");
	observer = cJSON_AddObjectToObject(source, "observer");
	cJSON_AddStringToObject(observer, "display", "samsvar");
	entity = cJSON_CreateObject();
	what = cJSON_AddObjectToObject(entity, "what");
	if (id && cJSON_IsNumber(vid))
		snprintf(buf, sizeof(buf), "%s/%.64s/_history/%.0f", sv_jstr(row, "type"), id, vid->valuedouble);
	else
		snprintf(buf, sizeof(buf), "%s?url=%.250s", sv_jstr(row, "type"), sv_jstr(row, "url"));
	cJSON_AddStringToObject(what, id ? "reference" : "display", buf);
	snprintf(buf, sizeof(buf), "%.200s|%.90s", sv_jstr(row, "url"), sv_jstr(row, "version"));
	cJSON_AddStringToObject(entity, "name", buf);
	if (sv_jstr(row, "reason"))
		cJSON_AddStringToObject(entity, "description", sv_jstr(row, "reason"));
	cJSON_AddArrayToObject(entity, "detail");
	add_detail(entity, "action", sv_jstr(row, "action"));
	add_detail(entity, "source", sv_jstr(row, "detail"));
	cJSON_AddItemToArray(cJSON_AddArrayToObject(ev, "entity"), entity);
	return ev;
}

/* Reads `date` as FHIR search writes it: a prefix (ge, gt, le, lt, eq; eq by default) and an
 * instant or a date prefix of one ("2026", "2026-11-26", "2026-11-26T10:00:00Z"). */
static enum sv_err read_date(struct sv_request *req, struct sv_audit_query *q)
{
	static const char *const prefixes[] = {"ge", "gt", "le", "lt", "eq"};
	const char *d = sv_params_string(req->params, "date");

	if (!d)
		return SV_OK;
	q->date_op = "eq";
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(d, prefixes[i], 2) == 0) {
			q->date_op = prefixes[i];
			d += 2;
		}
	for (const char *c = d; *c; c++)
		if (!strchr("0123456789-T:Z", *c))
			return sv_fail_at(&req->err, SV_EINVAL, "date", "date must be [ge|gt|le|lt|eq] and a UTC instant "
					  "or its prefix, such as ge2026-11-26 or lt2026-11-26T10:00:00Z");
	if (!*d || strlen(d) > 20)
		return sv_fail_at(&req->err, SV_EINVAL, "date", "date needs a UTC instant or its prefix");
	q->date = d;
	return SV_OK;
}

enum sv_err sv_op_audit_search(struct sv_request *req, cJSON **out, int *status)
{
	static const char *const known[] = {"entity", "agent", "action", "date", "_count", "_offset", "_total"};
	struct sv_audit_query q = {0};
	struct sv_page pg;
	struct sv_store *st;
	cJSON *rows = NULL, *bundle, *row;
	long total = 0;
	enum sv_err rc;

	if (req->id)
		return sv_fail(&req->err, SV_ENOTFOUND, "AuditEvents are found by search: GET /fhir/AuditEvent?...");
	if (!req->writer)
		return sv_fail(&req->err, SV_EUNAVAILABLE, "this server keeps no audit trail it can search");
	if (sv_search_unknown(req, known, sizeof(known) / sizeof(known[0]), out, status))
		return SV_OK;
	q.entity = sv_params_string(req->params, "entity");
	q.agent = sv_params_string(req->params, "agent");
	q.action = sv_params_string(req->params, "action");
	if ((rc = sv_page_read(req, 50, &pg)) != SV_OK || (rc = read_date(req, &q)) != SV_OK)
		return rc;
	q.count = pg.count;
	q.offset = pg.offset;
	rows = cJSON_CreateArray();
	st = sv_writer_read(req->writer);
	rc = sv_history_audit_search(st, &q, rows, &total, &req->err);
	sv_writer_done(req->writer);
	if (rc != SV_OK) {
		cJSON_Delete(rows);
		return rc;
	}
	bundle = sv_bundle_new("searchset");
	sv_bundle_page(bundle, req, "AuditEvent", &pg, total, known, sizeof(known) / sizeof(known[0]));
	cJSON_ArrayForEach(row, rows) {
		cJSON *ev = audit_event(row);
		sv_bundle_entry(bundle, req, "AuditEvent", sv_jstr(ev, "id"), ev, "match");
	}
	cJSON_Delete(rows);
	*out = bundle;
	return SV_OK;
}
