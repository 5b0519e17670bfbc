/* store_message_schema.h — the outbox/inbox tables, kept beside store_message.c and pasted into the
 * store's schema by store.c. Private to the store. */
#ifndef SAMSVAR_STORE_MESSAGE_SCHEMA_H
#define SAMSVAR_STORE_MESSAGE_SCHEMA_H

#define SV_STORE_MESSAGE_SCHEMA                                                                      \
	"CREATE TABLE IF NOT EXISTS message("                                                        \
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"                                                   \
	"  direction TEXT NOT NULL CHECK (direction IN ('out','in')), id TEXT NOT NULL,"             \
	"  event TEXT NOT NULL, peer TEXT NOT NULL, peer_name TEXT, status TEXT NOT NULL,"           \
	"  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, next_attempt INTEGER NOT NULL DEFAULT 0," \
	"  created TEXT NOT NULL, updated TEXT NOT NULL, media TEXT NOT NULL, content BLOB NOT NULL,"  \
	"  ack_media TEXT, ack BLOB, answer TEXT, UNIQUE (direction, id));"                          \
	"CREATE INDEX IF NOT EXISTS message_due ON message(status, next_attempt) WHERE direction='out';"       \
	/* The newest audit row that is not a message's, in one index step (sv_store_content_mark). */       \
	"CREATE INDEX IF NOT EXISTS audit_not_message ON audit(seq) WHERE type <> 'Message';"

#endif
