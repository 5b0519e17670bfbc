/* casemix.h — a case-mix table as data (mappings/README.md, "Case-mix files"; the reader is
 * rulefile.h): dimensions (each a set of IPLOS variables), the groups of each dimension (ranges of the
 * mean score of its variables), hours per week for every combination of groups, and adjustments such
 * as +17 % for people living alone (the Trondheim model in the Helsedirektoratet 2017 report,
 * section 4.3.1). $assess applies it to give the group and the expected hours per week.
 *
 * A dimension's score is the mean of its variables scored 1-5 (9 and unassessed variables are left
 * out); a group covers lo <= mean < hi, and the last group of a dimension includes 5. */
#ifndef SAMSVAR_CASEMIX_H
#define SAMSVAR_CASEMIX_H

#include <stddef.h>
#include "samsvar/error.h"
#include "samsvar/rulefile.h"

#define SV_CASEMIX_MAX_DIMS 3
#define SV_CASEMIX_MAX_GROUPS 8

struct sv_casemix_group {
	char *id;
	double lo, hi;
};

struct sv_casemix_dim {
	char *name;
	unsigned char vars[20];
	int nvars;
	struct sv_casemix_group groups[SV_CASEMIX_MAX_GROUPS];
	int ngroups;
};

struct sv_casemix {
	struct sv_rulefile_meta meta;
	struct sv_casemix_dim dims[SV_CASEMIX_MAX_DIMS];
	int ndims;
	double *hours;          /* per combination: index = sum of group index x stride; < 0 = not given */
	int ncombos;
	double living_alone;    /* percent added for people living alone; 0 = no such adjustment */
};

/* The table applied to one assessment. */
struct sv_casemix_result {
	int ok;                          /* 0: some dimension has no scored variable */
	const char *missing;             /* that dimension's name when !ok */
	double mean[SV_CASEMIX_MAX_DIMS];
	int group[SV_CASEMIX_MAX_DIMS];  /* index into dims[d].groups */
	char label[80];                  /* the groups joined with '+', e.g. "P3+C2" */
	double hours;                    /* from the table */
	double adjusted;                 /* after the adjustments that apply */
	int living_alone_applied;
};

/* Parses a case-mix file's text; *out is new (free with sv_casemix_free()) or NULL with err's message
 * "file:line: ..." (SV_EINVAL, SV_ETOOBIG). Every combination of groups must have an hours row. */
enum sv_err sv_casemix_parse(const char *file, const char *text, size_t len, struct sv_casemix **out,
			     struct sv_error *err);

void sv_casemix_free(struct sv_casemix *m);

/* Applies `m` to scores[1..20] (1-5, 9, or 0 when not assessed); living_alone: 1 yes, 0 no, -1 not
 * known (no adjustment). */
void sv_casemix_apply(const struct sv_casemix *m, const unsigned char scores[21], int living_alone,
		      struct sv_casemix_result *res);

#endif
