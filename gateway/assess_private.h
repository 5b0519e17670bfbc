/* assess_private.h — what the files of the $assess engine (assess.c, assess_input.c) share; nothing
 * outside gateway/assess*.c includes it. */
#ifndef SAMSVAR_ASSESS_PRIVATE_H
#define SAMSVAR_ASSESS_PRIVATE_H

#include "samsvar/assess_table.h"
#include "samsvar/iplos.h"

#include <cjson/cJSON.h>

#define NSCORES SV_IPLOS_NSCORES
#define SCORES sv_iplos_scores
#define MAX_ITEMS 64         /* items read before giving up (20 variables exist; more means duplicates) */

struct item {
	const struct sv_assess_var *v;
	int si;                  /* index into SCORES */
};

struct input {
	struct item items[MAX_ITEMS];
	int n;
	unsigned char *seen;     /* per variable: 1 + index of the item that gave it, 0 = not yet */
	const cJSON *patient;    /* a Reference, borrowed */
	const char *date;
	const char *relations;
};

/* Reads the items, patient, date and relations of a Parameters `params` into `in` (in->seen sized by
 * the caller for t->nvars + 1). Returns SV_OK, else the error set in err naming the parameter. */
enum sv_err sv_assess_read_parameters(const struct sv_assess_table *t, const cJSON *params, struct input *in,
				      struct sv_error *err);

/* Reads a Bundle of IPLOS Observations (one person, one date) into `in`, as above. */
enum sv_err sv_assess_read_bundle(const struct sv_assess_table *t, const cJSON *bundle, struct input *in,
				  struct sv_error *err);

#endif
