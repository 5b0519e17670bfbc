/* text.h — white space in text read from files (configuration, content files, release files). */
#ifndef SAMSVAR_TEXT_H
#define SAMSVAR_TEXT_H

#include <stddef.h>

/* Strips leading and trailing ASCII white space (space, tab, CR, LF, VT, FF) from `s` in place.
 * Returns a pointer into `s` at its first kept character. */
char *sv_trim(char *s);

/* Returns a malloc'd copy of `s` (the caller frees it) without leading and trailing white space and
 * with inner runs of white space collapsed to one space. */
char *sv_collapse_ws(const char *s);

/* Steps through a comma-separated list: returns the next item of *p with the blanks around it cut
 * (its length in *n, 0 for an empty item), and moves *p past it and its comma; NULL at the end. */
const char *sv_list_next(const char **p, size_t *n);

#endif
