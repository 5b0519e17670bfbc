/* cli_translate.h — `samsvar translate --system S --code C`: one code on the command line, answered as
 * $translate would answer it over HTTP. */
#ifndef SAMSVAR_CLI_TRANSLATE_H
#define SAMSVAR_CLI_TRANSLATE_H

#include <stdio.h>
#include "samsvar/error.h"

struct sv_snapshot;

/* Translates one code (`reverse`: find the sources that map to it) with every applicable map, to
 * `target` system only when not NULL, with `dependency` ("SYSTEM|CODE", e.g. the IPLOS score, which
 * also gives ICF categories their qualifier product; NULL for none), and prints the Parameters answer as
 * JSON (R4 shape, or R5 when `fhir_version` is 5) to `out`. Returns SV_OK, SV_EINVAL for an empty code
 * or a dependency without "|", SV_EREQUIRED without system, SV_EIO when writing fails, with err set. */
enum sv_err sv_translate_cli(const struct sv_snapshot *snap, const char *system, const char *code,
			     const char *target, const char *dependency, int reverse, int fhir_version, FILE *out,
			     struct sv_error *err);

#endif
