/* text.h — white space in text read from files (configuration, content files, release files). */
#ifndef SAMSVAR_TEXT_H
#define SAMSVAR_TEXT_H

/* Strips leading and trailing ASCII white space (space, tab, CR, LF, VT, FF) from `s` in place.
 * Returns a pointer into `s` at its first kept character. */
char *sv_trim(char *s);

/* Returns a malloc'd copy of `s` (the caller frees it) without leading and trailing white space and
 * with inner runs of white space collapsed to one space. */
char *sv_collapse_ws(const char *s);

#endif
