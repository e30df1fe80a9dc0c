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
`,
	// Schema 2: visitor sessions (policy layers, sessions and quotas, PIN
	// lockouts, guest passes, reservations, the walk-up queue) and wipe
	// receipts with the alerts they raise.
	`
CREATE TABLE policy_layers (
	scope      TEXT PRIMARY KEY,
	yaml       TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	updated_by TEXT NOT NULL
);
-- versions counts changes of things running servers poll for, so a change
-- made by the CLI in another process is noticed.
CREATE TABLE versions (
	name TEXT PRIMARY KEY,
	n    INTEGER NOT NULL
);
CREATE TABLE visitor_sessions (
	id           TEXT PRIMARY KEY,
	terminal_id  TEXT NOT NULL,
	branch       TEXT NOT NULL,
	kind         TEXT NOT NULL,
	card_hash    TEXT NOT NULL DEFAULT '',
	day          TEXT NOT NULL,
	granted_at   INTEGER NOT NULL,
	ends_at      INTEGER NOT NULL,
	reserved_min INTEGER NOT NULL,
	extensions   INTEGER NOT NULL DEFAULT 0,
	used_min     INTEGER,
	ended_at     INTEGER
);
CREATE INDEX visitor_sessions_card_day ON visitor_sessions(card_hash, day);
CREATE INDEX visitor_sessions_open ON visitor_sessions(ended_at, ends_at);
CREATE TABLE pin_failures (
	card_hash    TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	locked_until INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE guest_passes (
	code_hash   TEXT PRIMARY KEY,
	branch      TEXT NOT NULL REFERENCES branches(id),
	minutes     INTEGER NOT NULL,
	valid_until INTEGER NOT NULL,
	created_at  INTEGER NOT NULL,
	used_at     INTEGER,
	used_by     TEXT
);
CREATE TABLE reservations (
	id          TEXT PRIMARY KEY,
	terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	branch      TEXT NOT NULL,
	card_hash   TEXT NOT NULL,
	card_hint   TEXT NOT NULL,
	starts_at   INTEGER NOT NULL,
	until       INTEGER NOT NULL,
	hold_until  INTEGER NOT NULL,
	source      TEXT NOT NULL,
	created_by  TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	claimed_at  INTEGER
);
CREATE INDEX reservations_terminal ON reservations(terminal_id, starts_at);
CREATE TABLE walkup_queue (
	id         INTEGER PRIMARY KEY,
	branch     TEXT NOT NULL REFERENCES branches(id),
	card_hash  TEXT NOT NULL,
	card_hint  TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (branch, card_hash)
);
CREATE TABLE wipe_receipts (
	id              INTEGER PRIMARY KEY,
	terminal_id     TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	session_id      TEXT NOT NULL,
	trigger         TEXT NOT NULL,
	strategy        TEXT NOT NULL,
	started_at      INTEGER NOT NULL,
	ended_at        INTEGER NOT NULL,
	duration_ns     INTEGER NOT NULL,
	files_removed   INTEGER NOT NULL,
	bytes_removed   INTEGER NOT NULL,
	processes_ended INTEGER NOT NULL,
	verified        INTEGER NOT NULL,
	data            TEXT NOT NULL
);
CREATE INDEX wipe_receipts_terminal ON wipe_receipts(terminal_id, ended_at);
CREATE TABLE alerts (
	id          INTEGER PRIMARY KEY,
	terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	kind        TEXT NOT NULL,
	at          INTEGER NOT NULL,
	detail      TEXT NOT NULL,
	closed_at   INTEGER
);
CREATE INDEX alerts_open ON alerts(closed_at, terminal_id);
`, `
-- Events whose data the fleet could not read: acknowledged so the agent
-- drops them, and kept here with the reason for an admin to look at.
CREATE TABLE rejected_events (
	id          INTEGER PRIMARY KEY,
	terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	epoch       TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	kind        TEXT NOT NULL,
	reason      TEXT NOT NULL,
	at          INTEGER NOT NULL,
	received_at INTEGER NOT NULL,
	data        TEXT NOT NULL,
	data_bytes  INTEGER NOT NULL
);
CREATE INDEX rejected_events_terminal ON rejected_events(terminal_id, received_at);
CREATE INDEX rejected_events_received ON rejected_events(received_at);
`,
	// Schema 4: retention. Per-visitor rows, once pruned, live on only as
	// anonymous per-branch, per-day counts; PIN failure rows get a time so
	// they can go too.
	`
CREATE TABLE daily_stats (
	branch TEXT NOT NULL,
	day    TEXT NOT NULL,
	metric TEXT NOT NULL,
	key    TEXT NOT NULL,
	n      INTEGER NOT NULL,
	PRIMARY KEY (branch, day, metric, key)
);
ALTER TABLE pin_failures ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX visitor_sessions_ends ON visitor_sessions(ends_at);
CREATE INDEX events_received ON events(received_at);
CREATE INDEX wipe_receipts_ended ON wipe_receipts(ended_at);
CREATE INDEX audit_at ON audit(at);
`,
	// Schema 5: a staff account may work in several branches. The old
	// users.branch column is left in place and no longer read.
	`
CREATE TABLE user_branches (
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	branch  TEXT NOT NULL REFERENCES branches(id),
	PRIMARY KEY (user_id, branch)
);
INSERT INTO user_branches (user_id, branch) SELECT id, branch FROM users WHERE branch IS NOT NULL AND branch != '';
`}
