package store

// migrations are applied in order; the database's user_version counts how
// many ran. Never edit a released migration: append a new one.
var migrations = []string{`
CREATE TABLE branches (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	tz         TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	role       TEXT NOT NULL,
	branch     TEXT REFERENCES branches(id),
	pw_hash    TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE staff_sessions (
	token_hash TEXT PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE TABLE enroll_codes (
	code_hash  TEXT PRIMARY KEY,
	branch     TEXT NOT NULL REFERENCES branches(id),
	uses_left  INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE terminals (
	id            TEXT PRIMARY KEY,
	name          TEXT NOT NULL,
	branch        TEXT NOT NULL REFERENCES branches(id),
	kind          TEXT NOT NULL,
	token_hash    TEXT UNIQUE,
	revoked_at    INTEGER,
	enrolled_at   INTEGER NOT NULL,
	hostname      TEXT NOT NULL DEFAULT '',
	os            TEXT NOT NULL DEFAULT '',
	agent_version TEXT NOT NULL DEFAULT '',
	state         TEXT NOT NULL DEFAULT 'idle',
	state_reason  TEXT NOT NULL DEFAULT '',
	last_seen     INTEGER NOT NULL DEFAULT 0,
	health_at     INTEGER NOT NULL DEFAULT 0,
	cpu           REAL NOT NULL DEFAULT 0,
	mem           REAL NOT NULL DEFAULT 0,
	disk          REAL NOT NULL DEFAULT 0,
	uptime        INTEGER NOT NULL DEFAULT 0,
	rss           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX terminals_branch ON terminals(branch);
-- outbox_cursors remembers, per agent outbox, the highest event stored:
-- the fleet's whole memory for exactly-once delivery.
CREATE TABLE outbox_cursors (
	terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	epoch       TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	PRIMARY KEY (terminal_id, epoch)
);
CREATE TABLE events (
	id          INTEGER PRIMARY KEY,
	terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	epoch       TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	data        TEXT NOT NULL,
	UNIQUE (terminal_id, epoch, seq)
);
CREATE INDEX events_terminal_kind ON events(terminal_id, kind, at);
CREATE TABLE health_samples (
	terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	at          INTEGER NOT NULL,
	cpu         REAL NOT NULL,
	mem         REAL NOT NULL,
	disk        REAL NOT NULL
);
CREATE INDEX health_terminal_at ON health_samples(terminal_id, at);
CREATE TABLE commands (
	id           TEXT PRIMARY KEY,
	terminal_id  TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	type         TEXT NOT NULL,
	text         TEXT NOT NULL DEFAULT '',
	status       TEXT NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL,
	delivered_at INTEGER,
	finished_at  INTEGER,
	error        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX commands_pending ON commands(terminal_id, status, created_at);
CREATE TABLE audit (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,
	actor  TEXT NOT NULL,
	action TEXT NOT NULL,
	target TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT ''
);
`}
