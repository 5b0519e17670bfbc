/* snapshot_private.h — what snapshot.c and its helper files share, not part of the snapshot API. */
#ifndef SAMSVAR_SNAPSHOT_PRIVATE_H
#define SAMSVAR_SNAPSHOT_PRIVATE_H

#include "samsvar/snapshot.h"

/* Builds the subsumption index of `cs` (its concepts' parents and children resolved), or returns NULL
 * when its parents form a cycle or the index would be too large: the functions of snapshot.h then walk
 * the parents instead. Free with sv_hierarchy_free() (NULL allowed). */
struct sv_hierarchy *sv_hierarchy_build(const struct sv_codesystem *cs);
void sv_hierarchy_free(struct sv_hierarchy *h);

#endif
