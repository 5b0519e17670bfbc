/* config.h — samsvar's configuration: parsed once into a struct that starts from defaults, every value
 * bounds-checked; a bad line fails fast with file:line. Read-only after start-up. */
#ifndef SAMSVAR_CONFIG_H
#define SAMSVAR_CONFIG_H

#include <stddef.h>
#include "samsvar/error.h"

/* auth = writes | all: which requests need a bearer token. */
enum sv_auth_mode {
	SV_AUTH_WRITES = 0,        /* reads are open; a route that changes content names its role */
	SV_AUTH_ALL                /* every /fhir request but /fhir/metadata needs at least reader */
};

struct sv_config {
	char listen_host[64];      /* listen = HOST:PORT or [IPV6]:PORT (kept without the brackets) */
	unsigned listen_port;
	char store_path[512];      /* store = path of the SQLite file */
	char content_dir[512];     /* content = folder of bundled content loaded into an empty store */
	char canonical_base[256];  /* canonical_base = URL base for identifiers with no official system */
	char assess_criteria[512]; /* assess_criteria = $assess's default criteria Library url[|version]; "" = none */
	char assess_casemix[512];  /* assess_casemix = $assess's default case-mix Library url[|version]; "" = none */
	size_t max_body_bytes;     /* max_body = largest request body accepted (413 above) */
	size_t max_import_body_bytes; /* max_import_body = largest body of POST /fhir/$import (instead of
				       * max_body; kept in a temporary file, not in memory) */
	size_t max_import_unzipped_bytes; /* max_import_unzipped = bytes the RF2 files of a zipped release
					   * ($import kind=snomed-rf2) may inflate to */
	unsigned threads;          /* threads = HTTP worker threads */
	unsigned max_connections;  /* max_connections = concurrent connections served (503 beyond) */
	unsigned max_connections_per_ip; /* max_connections_per_ip = from one client address (refused beyond) */
	unsigned timeout_seconds;  /* timeout = idle connection timeout */
	unsigned header_timeout_seconds; /* header_timeout = seconds a request's headers may take to arrive */
	size_t max_header_bytes;   /* max_header_bytes = request line and headers (414/431 above) */
	unsigned max_params;       /* max_params = query parameters, or Parameters entries, per request */
	unsigned max_body_nodes;   /* max_body_nodes = JSON values or XML elements+attributes in a body */
	unsigned expand_max;       /* expand_max = largest ValueSet expansion returned in one answer */
	unsigned expand_max_properties; /* expand_max_properties = concept property values in one expansion */
	unsigned max_count;        /* max_count = most entries in one page of a search or history; a larger
				    * _count is clamped to it */
	char public_base_url[256]; /* public_base_url = the FHIR base clients reach this server at (behind a
				    * proxy), for Bundle links and fullUrls; "" = http(s)://{listen}/fhir */
	unsigned max_batch_entries; /* max_batch_entries = entries of a batch Bundle, or validations of
				     * $batch-validate-code, in one request (413 above) */
	unsigned max_batch_answer_nodes; /* max_batch_answer_nodes = JSON values the answers of one batch may
					  * hold together; entries past it answer 413 */
	int log_requests;          /* log_requests = one stderr line per request (true/false) */
	size_t response_cache_bytes; /* response_cache = MiB of cached GET answers per snapshot (0 = off) */
	enum sv_auth_mode auth;    /* auth = writes | all */
	char tls_cert[512];        /* tls_cert = PEM certificate (chain) file; empty = plain HTTP */
	char tls_key[512];         /* tls_key = PEM private key file of that certificate */
	int gzip;                  /* gzip = compress answers for clients that accept it (true/false) */
	char cors_origins[1024];   /* cors_origins = browser origins allowed (comma list, or *); "" = no CORS */
	int publish_requires_second_person; /* publish_requires_second_person = the publisher of a draft
					     * must not be its last editor (four eyes; true/false) */
	/* Messages (issue 8): who we are, whom we send to, and how hard delivery tries. */
	char receivers[512];       /* receivers = TSV file of the receiver directory (receivers.h); "" = none */
	char own_name[256];        /* own_name = this organisation's name (message sender) */
	char own_her_id[32];       /* own_her_id = this organisation's HER-id (sender; checked on inbound KITH) */
	char own_endpoint[512];    /* own_endpoint = URL of our $process-message (FHIR source.endpoint);
				    * "" = {canonical_base}/fhir/$process-message */
	unsigned deliver_backoff_ms;     /* deliver_backoff_ms = first retry delay (doubles each attempt) */
	unsigned deliver_backoff_cap_ms; /* deliver_backoff_cap_ms = longest retry delay */
	unsigned deliver_max_attempts;   /* deliver_max_attempts = attempts before a message is dead */
	unsigned deliver_connect_timeout; /* deliver_connect_timeout = seconds to connect to a receiver */
	unsigned deliver_timeout;  /* deliver_timeout = seconds one delivery may take in all */
	unsigned deliver_parallel; /* deliver_parallel = deliveries in flight at once */
};

/* Fills `c` with the built-in defaults (documented in README.md and conf/samsvar.conf). */
void sv_config_defaults(struct sv_config *c);

/* Sets one key from its text value, with bounds checks; returns SV_ECONFIG with a message on error. */
enum sv_err sv_config_set(struct sv_config *c, const char *key, const char *value, struct sv_error *err);

/* Parses `key = value` lines of the file at `path` over the current values of `c`; errors name
 * path:line. Returns SV_OK, SV_EIO (unreadable) or SV_ECONFIG. */
enum sv_err sv_config_load(struct sv_config *c, const char *path, struct sv_error *err);

/* Parses configuration text held in memory (`name` is used in messages); same rules as the file. */
enum sv_err sv_config_parse(struct sv_config *c, const char *text, size_t len, const char *name,
			    struct sv_error *err);

/* Returns 1 when the configured listen host is a loopback address (127.0.0.0/8, localhost, ::1). */
int sv_config_listen_is_loopback(const struct sv_config *c);

/* Splits "HOST:PORT" or "[IPV6]:PORT" into the listen fields of `c`; returns SV_ECONFIG when malformed. */
enum sv_err sv_config_set_listen(struct sv_config *c, const char *hostport, struct sv_error *err);

/* Returns 1 when the configured listen host is an IPv6 address. */
int sv_config_listen_is_ipv6(const struct sv_config *c);

/* Writes into buf (cap bytes) the FHIR base URL clients reach the server at: public_base_url when set,
 * else http(s)://{listen host}:{port}/fhir for the port actually bound (`tls`: https). */
void sv_config_base_url(const struct sv_config *c, int tls, unsigned port, char *buf, size_t cap);

#endif
