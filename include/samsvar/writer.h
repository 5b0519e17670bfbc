/* writer.h — the one place a running server changes its store: a connection behind a mutex, and the
 * snapshot rebuilt from it before a change is committed, so the next request reads the change.
 *
 * A change runs between sv_writer_begin() and sv_writer_commit() (or sv_writer_abort()): one SQLite
 * transaction, writes serialised by the mutex, readers untouched (they keep reading the snapshot they
 * hold). The commit first builds the new snapshot inside the transaction: content that cannot be
 * served is refused and rolled back, never committed. The serve loop calls sv_writer_poll() to pick up
 * what another process (`samsvar import`) committed. */
#ifndef SAMSVAR_WRITER_H
#define SAMSVAR_WRITER_H

#include "samsvar/error.h"
#include "samsvar/snapshot.h"
#include "samsvar/store.h"

struct sv_writer;

/* Returns a writer over `st` (ownership moves in: sv_writer_free closes it) that swaps new snapshots
 * into `reg` (which must outlive it). */
struct sv_writer *sv_writer_new(struct sv_store *st, struct sv_registry *reg);

/* Closes the store and frees the writer; NULL is allowed. */
void sv_writer_free(struct sv_writer *w);

/* Takes the lock and starts a transaction; returns the store to change, or NULL with err set (the
 * lock is then released). */
struct sv_store *sv_writer_begin(struct sv_writer *w, struct sv_error *err);

/* Builds the snapshot of the changed store, commits, makes the snapshot current and releases the
 * lock. When the content cannot be served or the commit fails, rolls back and returns the error
 * (SV_EUNPROCESSABLE for content the snapshot refuses). */
enum sv_err sv_writer_commit(struct sv_writer *w, struct sv_error *err);

/* Rolls the transaction back and releases the lock. */
void sv_writer_abort(struct sv_writer *w);

/* Takes the lock for reading the store (history, audit) without a transaction; returns the store. */
struct sv_store *sv_writer_read(struct sv_writer *w);

/* Releases the lock taken by sv_writer_read(). */
void sv_writer_done(struct sv_writer *w);

/* Rebuilds and swaps the snapshot when another process committed a change of content or tokens to
 * the store (its content mark moved: messages do not count), or when `force` is set (SIGHUP). Returns 1 when a new snapshot was made current, 0 when none was needed, -1 when the
 * rebuild failed (err set; the old snapshot keeps serving). */
int sv_writer_poll(struct sv_writer *w, int force, struct sv_error *err);

#endif
