/* main.c — the samsvar command: serve, check-config, import (and translate). */
#include "samsvar/batch.h"
#include "samsvar/cli_token.h"
#include "samsvar/cli_translate.h"
#include "samsvar/config.h"
#include "samsvar/content.h"
#include "samsvar/deliver.h"
#include "samsvar/fhirxml.h"
#include "samsvar/http.h"
#include "samsvar/import.h"
#include "samsvar/importer.h"
#include "samsvar/jsonutil.h"
#include "samsvar/outbox.h"
#include "samsvar/receivers.h"
#include "samsvar/snapshot.h"
#include "samsvar/store.h"
#include "samsvar/store_message.h"
#include "samsvar/tls.h"
#include "samsvar/token.h"
#include "samsvar/version.h"
#include "samsvar/writer.h"

#include <curl/curl.h>
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONFIG "conf/samsvar.conf"

static volatile sig_atomic_t shutdown_asap;
static volatile sig_atomic_t reload_asap;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_asap = 1;
	else
		shutdown_asap = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: samsvar <command> [options]\n"
		"\n"
		"commands:\n"
		"  serve         run the FHIR terminology server in the foreground (logs to stderr)\n"
		"  check-config  FILE: parse a configuration file and report the first error\n"
		"  import        load terminology into the store:\n"
		"                  --icf-claml FILE   WHO ICF ClaML (e.g. the DIMDI German release)\n"
		"                  --icf-tsv FILE     ICF table: code, parent, title\n"
		"                  --snomed-gps FILE  SNOMED CT Global Patient Set ValueSet (FHIR JSON)\n"
		"                  --snomed-rf2 DIR   SNOMED CT RF2 snapshot folder\n"
		"                  --snomed-base VERSION  the --snomed-rf2 folders are extension modules on top of\n"
		"                                     this stored edition (its version URI); each is stored as\n"
		"                                     its own version\n"
		"                  --fhir FILE        FHIR CodeSystem/ValueSet/ConceptMap/Bundle (JSON or XML)\n"
		"                  --content DIR      bundled content folder (mappings/)\n"
		"                  --content FILE     one content file (e.g. a map), checked against the\n"
		"                                     code systems of the `content` folder\n"
		"                  --allow-shrink     let an import remove concepts the store holds (refused\n"
		"                                     otherwise, naming them)\n"
		"                  --actor NAME       the name the audit trail records (default: the OS user;\n"
		"                                     the OS user is recorded beside it)\n"
		"  audit         [--limit N]: the store's change log, newest first, one JSON object per line\n"
		"  token         bearer tokens for the FHIR API (a running server sees changes within 200 ms):\n"
		"                  create --name NAME --role reader|maintainer|publisher|admin\n"
		"                                     prints the new token, once: it is stored only hashed\n"
		"                  list               name, role, created, revoked (never the tokens)\n"
		"                  revoke NAME        the token stops working\n"
		"  translate     --system S --code C [--target SYSTEM] [--dependency SYSTEM|CODE] [--reverse] [--r5]:\n"
		"                $translate one code (e.g. --dependency {base}/CodeSystem/iplos-score|4 qualifies ICF)\n"
		"                --file X.csv: IPLOS extract (person,variable,score) to ICF and SNOMED CT\n"
		"                columns on stdout, streaming ('-' reads stdin)\n"
		"\n"
		"options (every command that touches the store):\n"
		"  --config FILE       configuration file (default " DEFAULT_CONFIG ")\n"
		"  --store PATH        SQLite store (overrides `store`)\n"
		"  --listen HOST:PORT  address to serve on, [IPV6]:PORT for IPv6 (serve only; overrides `listen`)\n"
		"  --help, --version\n");
}

/* Loads configuration: defaults, then the file (required when named, optional when default). */
static int load_config(struct sv_config *cfg, const char *path, int explicit_path)
{
	struct sv_error err = {0};
	sv_config_defaults(cfg);
	if (!explicit_path && access(path, R_OK) != 0)
		return 0;
	if (sv_config_load(cfg, path, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		return -1;
	}
	return 0;
}

struct opts {
	const char *config;
	int config_given;
	const char *store;
	const char *listen;
	const char *imports[32][2];  /* kind, path */
	int nimports;
	const char *system, *code, *target, *file;  /* translate */
	const char *dependency;                     /* translate: SYSTEM|CODE */
	const char *limit;                          /* audit */
	const char *name, *role;                    /* token */
	const char *actor;                          /* import */
	const char *snomed_base;                    /* import: the edition --snomed-rf2 folders extend */
	int reverse, r5, allow_shrink;
};

static int parse_opts(int argc, char **argv, int first, struct opts *o)
{
	o->config = DEFAULT_CONFIG;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--config") == 0 || strcmp(a, "--store") == 0 || strcmp(a, "--listen") == 0 ||
		    strncmp(a, "--icf-", 6) == 0 || strncmp(a, "--snomed-", 9) == 0 || strcmp(a, "--fhir") == 0 ||
		    strcmp(a, "--content") == 0) {
			if (!v) {
				fprintf(stderr, "samsvar: %s needs a value\n", a);
				return -1;
			}
			i++;
			if (strcmp(a, "--config") == 0) {
				o->config = v;
				o->config_given = 1;
			} else if (strcmp(a, "--store") == 0) {
				o->store = v;
			} else if (strcmp(a, "--listen") == 0) {
				o->listen = v;
			} else if (strcmp(a, "--snomed-base") == 0) {
				o->snomed_base = v;
			} else {
				if (o->nimports == 32) {
					fprintf(stderr, "samsvar: at most 32 imports at once\n");
					return -1;
				}
				o->imports[o->nimports][0] = a + 2;
				o->imports[o->nimports][1] = v;
				o->nimports++;
			}
		} else if (strcmp(a, "--system") == 0 || strcmp(a, "--code") == 0 || strcmp(a, "--target") == 0 ||
			   strcmp(a, "--file") == 0) {
			if (!v) {
				fprintf(stderr, "samsvar: %s needs a value\n", a);
				return -1;
			}
			i++;
			*(a[2] == 's' ? &o->system : a[2] == 'c' ? &o->code : a[2] == 't' ? &o->target : &o->file) = v;
		} else if (strcmp(a, "--dependency") == 0 && v) {
			o->dependency = v;
			i++;
		} else if (strcmp(a, "--limit") == 0 && v) {
			o->limit = v;
			i++;
		} else if ((strcmp(a, "--name") == 0 || strcmp(a, "--role") == 0) && v) {
			*(a[2] == 'n' ? &o->name : &o->role) = v;
			i++;
		} else if (strcmp(a, "--actor") == 0) {
			if (!v || !*v) {
				fprintf(stderr, "samsvar: --actor needs a name\n");
				return -1;
			}
			o->actor = v;
			i++;
		} else if (strcmp(a, "--allow-shrink") == 0) {
			o->allow_shrink = 1;
		} else if (strcmp(a, "--reverse") == 0) {
			o->reverse = 1;
		} else if (strcmp(a, "--r5") == 0) {
			o->r5 = 1;
		} else {
			fprintf(stderr, "samsvar: unknown option '%s' (see samsvar --help)\n", a);
			return -1;
		}
	}
	return 0;
}

static int setup(struct opts *o, struct sv_config *cfg)
{
	struct sv_error err = {0};
	if (load_config(cfg, o->config, o->config_given) != 0)
		return -1;
	if (o->store && sv_config_set(cfg, "store", o->store, &err) != SV_OK) {
		fprintf(stderr, "samsvar: --store: %s\n", err.message);
		return -1;
	}
	if (o->listen && sv_config_set_listen(cfg, o->listen, &err) != SV_OK) {
		fprintf(stderr, "samsvar: --listen: %s\n", err.message);
		return -1;
	}
	return 0;
}

/* Who is changing the store, for the audit trail: the OS user running the command (from the real
 * uid, not from the environment), or the name given with --actor with that OS user beside it. */
static void actor_name(char *buf, size_t cap, const char *given)
{
	struct passwd *pw = getpwuid(getuid());
	char user[64];

	if (pw)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "uid %lu", (unsigned long)getuid());
	if (given)
		snprintf(buf, cap, "%.100s (samsvar import --actor, OS user %s)", given, user);
	else
		snprintf(buf, cap, "%s (samsvar import)", user);
}

/* --content: a folder of content files, or one file read as if it were in the `content` folder. */
static cJSON *load_content(const char *path, const struct sv_config *cfg, struct sv_error *err)
{
	struct stat sb;
	cJSON *arr, *one;

	if (stat(path, &sb) != 0) {
		sv_fail(err, SV_EIO, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode))
		return sv_content_load_dir(path, cfg->canonical_base, err);
	if (!(one = sv_content_load_file_in(path, cfg->content_dir, cfg->canonical_base, err)))
		return NULL;
	arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, one);
	return arr;
}

static cJSON *run_import(const char *kind, const char *path, const struct sv_config *cfg, struct sv_error *err)
{
	cJSON *one = NULL, *arr;

	if (strcmp(kind, "icf-claml") == 0)
		one = sv_import_icf_claml(path, err);
	else if (strcmp(kind, "icf-tsv") == 0)
		one = sv_import_icf_tsv(path, err);
	else if (strcmp(kind, "snomed-gps") == 0)
		one = sv_import_snomed_gps(path, err);
	else if (strcmp(kind, "fhir") == 0)
		return sv_import_fhir_file(path, err);
	else if (strcmp(kind, "content") == 0)
		return load_content(path, cfg, err);
	else {
		sv_fail(err, SV_EINVAL, "unknown import --%s", kind);
		return NULL;
	}
	if (!one)
		return NULL;
	arr = cJSON_CreateArray();
	cJSON_AddItemToArray(arr, one);
	return arr;
}

/* Imports each (kind, path) in one transaction, as `actor`: all or nothing. RF2 folders (extension
 * modules on top of stored edition `base` when given) go to the content tables. */
static int import_into(struct sv_store *st, const struct sv_config *cfg, const char *const (*items)[2], int n,
		       const char *actor, int allow_shrink, const char *base)
{
	struct sv_error err = {0};
	int count = 0, kept = 0, ok = 0;

	if (sv_store_begin(st, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		cJSON *arr;
		char source[600];
		if (strcmp(items[i][0], "snomed-rf2") == 0) {
			struct sv_import_opts io = {.actor = actor, .source = source, .allow_shrink = allow_shrink,
						    .log = stderr};
			snprintf(source, sizeof(source), "--snomed-rf2 %s%s%.300s", items[i][1], base ? " --snomed-base " : "",
				 base ? base : "");
			if (sv_import_rf2(st, items[i][1], base, &io, &count, &kept, &err) != SV_OK) {
				fprintf(stderr, "samsvar: import --%s %s: %s\n", items[i][0], items[i][1], err.message);
				goto out;
			}
			continue;
		}
		arr = run_import(items[i][0], items[i][1], cfg, &err);
		if (!arr) {
			fprintf(stderr, "samsvar: import --%s %s: %s\n", items[i][0], items[i][1], err.message);
			goto out;
		}
		struct sv_import_opts io = {.actor = actor, .source = source, .allow_shrink = allow_shrink,
					    .log = stderr};
		snprintf(source, sizeof(source), "--%s %s", items[i][0], items[i][1]);
		if (sv_import_store_all(st, arr, &io, &count, &kept, &err) != SV_OK) {
			fprintf(stderr, "samsvar: import --%s %s: %s\n", items[i][0], items[i][1], err.message);
			cJSON_Delete(arr);
			goto out;
		}
		cJSON_Delete(arr);
	}
	if (sv_store_commit(st, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		goto out;
	}
	ok = 1;
	fprintf(stderr, "samsvar: imported %d resource%s", count, count == 1 ? "" : "s");
	if (kept)
		fprintf(stderr, "; %d left as stored (it held all they bring)", kept);
	fputc('\n', stderr);
out:
	if (!ok)
		sv_store_rollback(st);
	return ok ? 0 : -1;
}

static int cmd_import(int argc, char **argv)
{
	char actor[256];
	struct opts o = {0};
	struct sv_config cfg;
	struct sv_store *st = NULL;
	struct sv_error err = {0};
	int rc;

	if (parse_opts(argc, argv, 2, &o) != 0 || setup(&o, &cfg) != 0)
		return 2;
	if (o.nimports == 0) {
		fprintf(stderr, "samsvar: import needs at least one of --icf-claml, --icf-tsv, --snomed-gps, "
			"--snomed-rf2, --fhir, --content\n");
		return 2;
	}
	if (o.snomed_base) {
		int rf2 = 0;
		for (int i = 0; i < o.nimports; i++)
			rf2 |= strcmp(o.imports[i][0], "snomed-rf2") == 0;
		if (!rf2) {
			fprintf(stderr, "samsvar: --snomed-base names the edition --snomed-rf2 folders extend: give one\n");
			return 2;
		}
	}
	if (sv_store_open(cfg.store_path, &st, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		return 1;
	}
	actor_name(actor, sizeof(actor), o.actor);
	rc = import_into(st, &cfg, (const char *const (*)[2])o.imports, o.nimports, actor, o.allow_shrink,
			 o.snomed_base) == 0 ? 0 : 1;
	sv_store_close(st);
	return rc;
}

static int cmd_audit(int argc, char **argv)
{
	struct opts o = {0};
	struct sv_config cfg;
	struct sv_store *st = NULL;
	struct sv_error err = {0};
	cJSON *rows = NULL, *row;
	long limit = 100;
	char *end = NULL;
	int rc = 1;

	if (parse_opts(argc, argv, 2, &o) != 0 || setup(&o, &cfg) != 0)
		return 2;
	if (o.limit) {
		limit = strtol(o.limit, &end, 10);
		if (*end || limit < 1 || limit > 1000000) {
			fprintf(stderr, "samsvar: --limit takes a number from 1 to 1000000\n");
			return 2;
		}
	}
	if (sv_store_open(cfg.store_path, &st, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		return 1;
	}
	rows = cJSON_CreateArray();
	if (sv_store_audit(st, (int)limit, rows, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		goto out;
	}
	cJSON_ArrayForEach(row, rows) {
		char *line = cJSON_PrintUnformatted(row);
		puts(line);
		free(line);
	}
	rc = 0;
out:
	cJSON_Delete(rows);
	sv_store_close(st);
	return rc;
}

/* What check-config and serve say about the transport that does not stop them. */
static void warn_transport(const struct sv_config *cfg, const struct sv_tls *tls)
{
	if (tls->warning[0])
		fprintf(stderr, "samsvar: warning: %s\n", tls->warning);
	if (!tls->cert && !sv_config_listen_is_loopback(cfg))
		fprintf(stderr, "samsvar: warning: listening on %s without TLS: bearer tokens and content cross the "
			"network in clear text (set tls_cert and tls_key, or listen on 127.0.0.1 behind a TLS proxy)\n",
			cfg->listen_host);
}

static int cmd_token(int argc, char **argv)
{
	const char *sub = argc > 2 ? argv[2] : "";
	int revoke = strcmp(sub, "revoke") == 0;
	struct opts o = {0};
	struct sv_config cfg;
	struct sv_store *st = NULL;
	struct sv_error err = {0};
	enum sv_err rc;

	if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && !revoke) {
		fprintf(stderr, "samsvar: token needs create, list or revoke (see samsvar --help)\n");
		return 2;
	}
	if (revoke && (argc < 4 || argv[3][0] == '-')) {
		fprintf(stderr, "samsvar: usage: samsvar token revoke NAME\n");
		return 2;
	}
	if (parse_opts(argc, argv, revoke ? 4 : 3, &o) != 0 || setup(&o, &cfg) != 0)
		return 2;
	if (o.nimports || ((o.name || o.role) && strcmp(sub, "create") != 0) ||
	    (strcmp(sub, "create") == 0 && (!o.name || !o.role))) {
		fprintf(stderr, "samsvar: token create takes --name NAME --role ROLE; list and revoke take neither\n");
		return 2;
	}
	if (sv_store_open(cfg.store_path, &st, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		return 1;
	}
	if (revoke)
		rc = sv_cli_token_revoke(st, argv[3], &err);
	else if (strcmp(sub, "list") == 0)
		rc = sv_cli_token_list(st, stdout, &err);
	else
		rc = sv_cli_token_create(st, o.name, o.role, stdout, &err);
	sv_store_close(st);
	if (rc != SV_OK) {
		fprintf(stderr, "samsvar: token %s: %s\n", sub, err.message);
		return rc == SV_EINVAL ? 2 : 1;
	}
	if (revoke)
		fprintf(stderr, "samsvar: token '%s' revoked\n", argv[3]);
	else if (strcmp(sub, "create") == 0)
		fprintf(stderr, "samsvar: token '%s' (%s) created; it is shown only this once: keep it secret\n",
			o.name, o.role);
	return 0;
}

static int cmd_check_config(int argc, char **argv)
{
	struct sv_config cfg;
	struct sv_error err = {0};
	struct sv_tls tls;
	size_t nreceivers = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: samsvar check-config FILE\n");
		return 2;
	}
	sv_config_defaults(&cfg);
	if (sv_config_load(&cfg, argv[2], &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		return 1;
	}
	if (sv_tls_load(&cfg, &tls, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s: %s\n", argv[2], err.message);
		return 1;
	}
	if (cfg.receivers[0]) {
		struct sv_receivers rs = {0};
		if (sv_receivers_load(cfg.receivers, &rs, &err) != SV_OK) {
			fprintf(stderr, "samsvar: %s: %s\n", argv[2], err.message);
			sv_tls_release(&tls);
			return 1;
		}
		nreceivers = rs.n;
		sv_receivers_release(&rs);
	}
	warn_transport(&cfg, &tls);
	printf("%s: ok (listen %s://%s%s%s:%u, store %s, threads %u, auth %s, %zu receivers)\n", argv[2],
	       tls.cert ? "https" : "http", sv_config_listen_is_ipv6(&cfg) ? "[" : "", cfg.listen_host,
	       sv_config_listen_is_ipv6(&cfg) ? "]" : "", cfg.listen_port, cfg.store_path, cfg.threads,
	       cfg.auth == SV_AUTH_ALL ? "all" : "writes", nreceivers);
	sv_tls_release(&tls);
	return 0;
}


/* Opens the configured store; an empty one is first filled with the bundled content, recorded in the
 * audit trail as done by `actor` (the command, e.g. "samsvar serve (initial load)"). NULL on error. */
static struct sv_store *open_store_with_content(const struct sv_config *cfg, const char *actor)
{
	struct sv_store *st = NULL;
	struct sv_error err = {0};
	long count = 0;

	if (sv_store_open(cfg->store_path, &st, &err) != SV_OK || sv_store_count(st, &count, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		sv_store_close(st);
		return NULL;
	}
	if (count == 0) {
		const char *item[1][2] = {{"content", cfg->content_dir}};
		fprintf(stderr, "samsvar: empty store %s: loading bundled content from %s\n", cfg->store_path,
			cfg->content_dir);
		/* Recorded as what it is: the daemon filling its own empty store, not a maintainer. */
		if (import_into(st, cfg, item, 1, actor, 0, NULL) != 0) {
			sv_store_close(st);
			return NULL;
		}
	}
	return st;
}

static struct sv_snapshot *snapshot_or_complain(struct sv_store *st)
{
	struct sv_error err = {0};
	struct sv_snapshot *s = sv_snapshot_from_store(st, &err);
	if (!s)
		fprintf(stderr, "samsvar: cannot build the terminology snapshot: %s\n", err.message);
	return s;
}

static int cmd_translate(int argc, char **argv)
{
	struct opts o = {0};
	struct sv_config cfg;
	struct sv_store *st = NULL;
	struct sv_snapshot *snap = NULL;
	struct sv_error err = {0};
	int rc = 1;

	if (parse_opts(argc, argv, 2, &o) != 0 || setup(&o, &cfg) != 0)
		return 2;
	if (o.nimports || o.actor || o.allow_shrink || (o.file && (o.system || o.code)) || (!o.file && (!o.system || !o.code))) {
		fprintf(stderr, "samsvar: translate needs either --system and --code, or --file\n");
		return 2;
	}
	if (!(st = open_store_with_content(&cfg, "samsvar translate (initial load)")))
		goto out;
	if (!(snap = snapshot_or_complain(st)))
		goto out;
	if (o.file) {
		struct sv_batch_opts bo = {.canonical_base = cfg.canonical_base};
		struct sv_batch_counts counts = {0};
		FILE *in = strcmp(o.file, "-") == 0 ? stdin : fopen(o.file, "rb");
		if (!in) {
			fprintf(stderr, "samsvar: %s: %s\n", o.file, strerror(errno));
			goto out;
		}
		if (sv_batch_translate(snap, in, stdout, &bo, &counts, &err) != SV_OK) {
			fprintf(stderr, "samsvar: %s\n", err.message);
		} else {
			fprintf(stderr, "samsvar: %llu rows, %llu translated, %llu with errors\n", counts.rows,
				counts.translated, counts.bad);
			/* 3: the output is complete but some rows carry an error column. */
			rc = counts.bad ? 3 : 0;
		}
		if (in != stdin)
			fclose(in);
		goto out;
	}
	if (sv_translate_cli(snap, o.system, o.code, o.target, o.dependency, o.reverse, o.r5 ? 5 : 4, stdout, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		goto out;
	}
	rc = 0;
out:
	sv_snapshot_release(snap);
	sv_store_close(st);
	return rc;
}

/* Code systems this large get their word index at start-up and after a reload (an RF2 edition: ~0.5 s
 * for 350k concepts, in the main thread, which otherwise only waits); smaller ones on first search. */
#define WARM_TEXT_MIN_CONCEPTS 20000

static int cmd_serve(int argc, char **argv)
{
	struct opts o = {0};
	struct sv_config cfg;
	struct sv_store *st = NULL;
	struct sv_error err = {0};
	struct sv_registry reg;
	struct sv_http *http = NULL;
	struct sv_snapshot *snap;
	struct sv_tokens *tokens = NULL;
	struct sv_tls tls = {0};
	struct sv_writer *writer = NULL;
	struct sv_outbox *outbox = NULL;
	struct sv_deliver *deliver = NULL;
	struct sigaction sa;
	int rc = 1, warm = 1;

	if (parse_opts(argc, argv, 2, &o) != 0 || setup(&o, &cfg) != 0)
		return 2;
	if (o.nimports || o.actor || o.allow_shrink || o.snomed_base) {
		fprintf(stderr, "samsvar: serve takes no import options\n");
		return 2;
	}
	tokens = sv_tokens_new();
	if (sv_tls_load(&cfg, &tls, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		goto out;
	}
	warn_transport(&cfg, &tls);
	if (!(st = open_store_with_content(&cfg, "samsvar serve (initial load)")))
		goto out;
	if (sv_tokens_load(tokens, st, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		goto out;
	}
	if (!(snap = snapshot_or_complain(st)))
		goto out;
	/* libcurl's global state before any thread exists; then the outbox, which queues again what a
	 * stopped process left `sending`, before the worker takes anything. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (sv_outbox_open(&cfg, &outbox, &err) != SV_OK || sv_deliver_start(outbox, &deliver, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		sv_snapshot_release(snap);
		goto out;
	}
	sv_registry_init(&reg, snap);
	/* The write API and the reload below share this connection, behind the writer's lock. */
	writer = sv_writer_new(st, &reg);
	st = NULL;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (sv_http_start(&cfg, &reg, tokens, writer, &tls, outbox, &http, &err) != SV_OK) {
		fprintf(stderr, "samsvar: %s\n", err.message);
		sv_writer_free(writer);
		writer = NULL;
		sv_registry_release(&reg);
		goto out;
	}
	{
		int v6 = sv_config_listen_is_ipv6(&cfg);
		fprintf(stderr, "samsvar %s: listening on %s://%s%s%s:%u/fhir", SAMSVAR_VERSION, tls.cert ? "https" : "http",
			v6 ? "[" : "", cfg.listen_host, v6 ? "]" : "", sv_http_port(http));
		if (cfg.public_base_url[0])
			fprintf(stderr, " as %s", cfg.public_base_url);
	}
	fprintf(stderr, " (%u code systems, %u value sets, %u maps; auth %s, %zu tokens)\n", snap->ncs, snap->nvs, snap->ncm, cfg.auth == SV_AUTH_ALL ? "all" : "writes",
		sv_tokens_count(tokens));
	while (!shutdown_asap) {
		struct timespec ts = {0, 200 * 1000 * 1000};
		if (warm) {   /* the word indexes of large code systems, before a client's filter needs them */
			struct sv_snapshot *cur = sv_registry_acquire(&reg);
			sv_snapshot_warm_text(cur, WARM_TEXT_MIN_CONCEPTS);
			sv_snapshot_release(cur);
			warm = 0;
		}
		nanosleep(&ts, NULL);
		/* Another process (samsvar import) committed, or SIGHUP: build and swap a new snapshot. */
		int force = reload_asap, swapped;
		reload_asap = 0;
		sv_error_clear(&err);
		swapped = sv_writer_poll(writer, force, &err);
		if (swapped > 0) {
			fprintf(stderr, "samsvar: reloaded terminology (generation %llu)\n",
				(unsigned long long)reg.generation);
			warm = 1;
		}
		else if (swapped < 0)
			fprintf(stderr, "samsvar: cannot build the terminology snapshot: %s\n", err.message);
		/* The store changed (another process committed: `samsvar token` among them): the tokens
		 * are read again. On error the tokens known before stay in force. */
		if (swapped != 0) {
			struct sv_store *rst = sv_writer_read(writer);
			if (sv_tokens_load(tokens, rst, &err) != SV_OK)
				fprintf(stderr, "samsvar: tokens not reloaded: %s\n", err.message);
			else
				fprintf(stderr, "samsvar: %zu active tokens\n", sv_tokens_count(tokens));
			sv_writer_done(writer);
		}
	}
	fprintf(stderr, "samsvar: shutting down: finishing requests in flight\n");
	sv_http_stop(http);
	sv_deliver_stop(deliver);
	deliver = NULL;
	sv_writer_free(writer);
	writer = NULL;
	sv_registry_release(&reg);
	rc = 0;
	fprintf(stderr, "samsvar: stopped\n");
out:
	sv_deliver_stop(deliver);
	sv_outbox_close(outbox);
	sv_store_close(st);
	sv_tokens_free(tokens);
	sv_tls_release(&tls);
	return rc;
}

int main(int argc, char **argv)
{
	int rc;

	sv_alloc_init();
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("samsvar %s\n", SAMSVAR_VERSION);
		return 0;
	}
	sv_fhirxml_init();
	if (strcmp(argv[1], "serve") == 0)
		rc = cmd_serve(argc, argv);
	else if (strcmp(argv[1], "check-config") == 0)
		rc = cmd_check_config(argc, argv);
	else if (strcmp(argv[1], "import") == 0)
		rc = cmd_import(argc, argv);
	else if (strcmp(argv[1], "translate") == 0)
		rc = cmd_translate(argc, argv);
	else if (strcmp(argv[1], "audit") == 0)
		rc = cmd_audit(argc, argv);
	else if (strcmp(argv[1], "token") == 0)
		rc = cmd_token(argc, argv);
	else {
		fprintf(stderr, "samsvar: unknown command '%s'\n\n", argv[1]);
		usage(stderr);
		rc = 2;
	}
	return rc;
}
