"""Backups that restore: an encrypted, consistent copy of the database with a manifest, the
node's keys split among custodians, a scheduled backup with retention, and the memory of the
newest checkpoint the node published (so a restored node cannot silently rewind its log).

Plumbing for operators, not a room: it reads the database as a whole, and asks the audit room
(its public functions) for the log's size, root and verification."""
