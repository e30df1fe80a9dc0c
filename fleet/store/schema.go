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
`,
	// Schema 6: digital support. Help requests from terminals and desks,
	// their chat, and volunteers' duty spans. A request keeps no visitor
	// identity: only the terminal and, while it runs, the session id.
	`
CREATE TABLE help_requests (
	id               TEXT PRIMARY KEY,
	branch           TEXT NOT NULL,
	terminal_id      TEXT NOT NULL DEFAULT '',
	session_id       TEXT NOT NULL DEFAULT '',
	source           TEXT NOT NULL,
	topic            TEXT NOT NULL,
	language         TEXT NOT NULL,
	note             TEXT NOT NULL DEFAULT '',
	status           TEXT NOT NULL,
	created_by       TEXT NOT NULL DEFAULT '',
	created_at       INTEGER NOT NULL,
	expires_at       INTEGER NOT NULL DEFAULT 0,
	claimed_at       INTEGER NOT NULL DEFAULT 0,
	first_claimed_at INTEGER NOT NULL DEFAULT 0,
	closed_at        INTEGER NOT NULL DEFAULT 0,
	volunteer_id     INTEGER NOT NULL DEFAULT 0,
	volunteer_name   TEXT NOT NULL DEFAULT '',
	outcome          TEXT NOT NULL DEFAULT '',
	final_topic      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX help_requests_live ON help_requests(status, branch, created_at);
CREATE INDEX help_requests_terminal ON help_requests(terminal_id, status);
CREATE INDEX help_requests_created ON help_requests(created_at);
CREATE TABLE help_messages (
	id         INTEGER PRIMARY KEY,
	request_id TEXT NOT NULL REFERENCES help_requests(id) ON DELETE CASCADE,
	sender     TEXT NOT NULL,
	text       TEXT NOT NULL,
	at         INTEGER NOT NULL
);
CREATE INDEX help_messages_request ON help_messages(request_id, id);
CREATE TABLE help_duty (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL,
	name       TEXT NOT NULL,
	branch     TEXT NOT NULL,
	started_at INTEGER NOT NULL,
	ended_at   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX help_duty_open ON help_duty(ended_at, branch);
CREATE INDEX help_duty_user ON help_duty(user_id, ended_at);
`,
	// Schema 7: settings a visitor chose to have remembered (MyData), by
	// the card's keyed hash only; deleted by the visitor or when unused.
	// A message to a terminal may carry a text per language (JSON).
	`
CREATE TABLE visitor_settings (
	card_hash  TEXT PRIMARY KEY,
	settings   TEXT NOT NULL,
	updated_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL
);
CREATE INDEX visitor_settings_used ON visitor_settings(used_at);
ALTER TABLE commands ADD COLUMN texts TEXT NOT NULL DEFAULT '';
`,
	// Schema 8: the admin console. linked is whether the terminal's link is
	// up (kept by the hub), so the list can filter and count by status in
	// SQL; status derives from it and the agent's state. The indexes serve
	// the list's keyset paging for each sort. Alerts get an acknowledgement
	// and a record of their notification; commands remember the bulk
	// action they belong to.
	`
ALTER TABLE terminals ADD COLUMN linked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN health_recv INTEGER NOT NULL DEFAULT 0;
ALTER TABLE terminals ADD COLUMN status TEXT GENERATED ALWAYS AS (CASE
	WHEN linked = 0 THEN 'offline'
	WHEN state = 'out_of_service' THEN 'out_of_service'
	WHEN state IN ('authenticating', 'active', 'warning', 'ending', 'wiping') THEN 'in_session'
	ELSE 'online' END) VIRTUAL;
CREATE INDEX terminals_by_name ON terminals(name, id);
CREATE INDEX terminals_by_branch ON terminals(branch, name, id);
CREATE INDEX terminals_by_status ON terminals(status, name, id);
CREATE INDEX terminals_by_version ON terminals(agent_version, name, id);
CREATE INDEX terminals_by_seen ON terminals(last_seen, id);
CREATE INDEX terminals_branch_status ON terminals(branch, status);
ALTER TABLE alerts ADD COLUMN acked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN acked_at INTEGER;
ALTER TABLE alerts ADD COLUMN notified_at INTEGER;
CREATE INDEX alerts_kind_open ON alerts(kind, closed_at);
CREATE TABLE bulk_actions (
	id         TEXT PRIMARY KEY,
	type       TEXT NOT NULL,
	text       TEXT NOT NULL DEFAULT '',
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	count      INTEGER NOT NULL
);
ALTER TABLE commands ADD COLUMN bulk_id TEXT NOT NULL DEFAULT '';
CREATE INDEX commands_bulk ON commands(bulk_id, status) WHERE bulk_id != '';
`,
	// Schema 9: the admin's console (policy versions, power schedules, the
	// programme's measures). Existing layers become their scope's version 1.
	`
CREATE TABLE policy_versions (
	scope       TEXT NOT NULL,
	version     INTEGER NOT NULL,
	yaml        TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	created_by  TEXT NOT NULL,
	diff        TEXT NOT NULL DEFAULT '',
	rollback_of INTEGER,
	PRIMARY KEY (scope, version)
);
INSERT INTO policy_versions (scope, version, yaml, created_at, created_by)
	SELECT scope, 1, yaml, updated_at, updated_by FROM policy_layers;
ALTER TABLE terminals ADD COLUMN mac TEXT NOT NULL DEFAULT '';
-- power_log holds the spans a terminal was off on its power schedule.
CREATE TABLE power_log (
	terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	branch      TEXT NOT NULL,
	off_at      INTEGER NOT NULL,
	on_at       INTEGER NOT NULL,
	PRIMARY KEY (terminal_id, off_at)
);
CREATE INDEX power_log_branch ON power_log(branch, off_at);
-- agent_updates records each change of a terminal's agent version.
CREATE TABLE agent_updates (
	terminal_id  TEXT NOT NULL,
	branch       TEXT NOT NULL,
	from_version TEXT NOT NULL,
	to_version   TEXT NOT NULL,
	at           INTEGER NOT NULL
);
CREATE INDEX agent_updates_branch ON agent_updates(branch, at);
-- Staff management: disabled accounts keep their name and audit trail;
-- a reset password must be replaced at the next login.
ALTER TABLE users ADD COLUMN disabled_at INTEGER;
ALTER TABLE users ADD COLUMN must_change_pw INTEGER NOT NULL DEFAULT 0;
`,
	// Schema 10: signage. Content stored once by SHA-256, playlists and schedules
	// (draft or published) with their targets, urgent notices, screen tags,
	// what each screen reports playing, and proof of play.
	`
CREATE TABLE signage_content (
	id         INTEGER PRIMARY KEY,
	owner      TEXT NOT NULL,
	kind       TEXT NOT NULL,
	title      TEXT NOT NULL,
	sha256     TEXT NOT NULL,
	size       INTEGER NOT NULL,
	width      INTEGER NOT NULL,
	height     INTEGER NOT NULL,
	data       TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (owner, sha256)
);
CREATE TABLE signage_playlists (
	id         INTEGER PRIMARY KEY,
	owner      TEXT NOT NULL,
	name       TEXT NOT NULL,
	items      TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL
);
CREATE TABLE signage_schedules (
	id           INTEGER PRIMARY KEY,
	owner        TEXT NOT NULL,
	playlist_id  INTEGER NOT NULL REFERENCES signage_playlists(id),
	targets      TEXT NOT NULL,
	rule         TEXT NOT NULL,
	status       TEXT NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	published_by TEXT NOT NULL DEFAULT '',
	published_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX signage_schedules_status ON signage_schedules(status);
CREATE TABLE signage_notices (
	id           INTEGER PRIMARY KEY,
	owner        TEXT NOT NULL,
	text         TEXT NOT NULL,
	targets      TEXT NOT NULL,
	expires_at   INTEGER NOT NULL,
	created_by   TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	withdrawn_at INTEGER
);
CREATE INDEX signage_notices_expiry ON signage_notices(withdrawn_at, expires_at);
CREATE TABLE signage_tags (
	terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	tag         TEXT NOT NULL,
	PRIMARY KEY (terminal_id, tag)
);
CREATE TABLE signage_screens (
	terminal_id TEXT PRIMARY KEY REFERENCES terminals(id) ON DELETE CASCADE,
	manifest    TEXT NOT NULL,
	notices     TEXT NOT NULL,
	reported_at INTEGER NOT NULL
);
CREATE TABLE signage_plays (
	id          INTEGER PRIMARY KEY,
	terminal_id TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	content_id  TEXT NOT NULL,
	sha256      TEXT NOT NULL,
	start       INTEGER NOT NULL,
	seconds     REAL NOT NULL
);
CREATE INDEX signage_plays_start ON signage_plays(start);
`,
	// Schema 11: signed releases and their staged rollouts. A release's
	// bytes live in a file beside the database; a rollout offers one
	// version to a share of some branches' terminals, and each terminal's
	// way through it is a row of rollout_terminals.
	`
CREATE TABLE releases (
	version   TEXT NOT NULL,
	os        TEXT NOT NULL,
	arch      TEXT NOT NULL,
	sha256    TEXT NOT NULL,
	size      INTEGER NOT NULL,
	signature TEXT NOT NULL,
	file      TEXT NOT NULL,
	added_by  TEXT NOT NULL,
	added_at  INTEGER NOT NULL,
	PRIMARY KEY (version, os, arch)
);
CREATE TABLE rollouts (
	id                  INTEGER PRIMARY KEY,
	version             TEXT NOT NULL,
	branches            TEXT NOT NULL,
	percent             INTEGER NOT NULL,
	max_failure_percent INTEGER NOT NULL,
	health_seconds      INTEGER NOT NULL,
	status              TEXT NOT NULL,
	reason              TEXT NOT NULL DEFAULT '',
	created_by          TEXT NOT NULL,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL
);
CREATE TABLE rollout_terminals (
	rollout_id   INTEGER NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
	terminal_id  TEXT NOT NULL REFERENCES terminals(id) ON DELETE CASCADE,
	from_version TEXT NOT NULL,
	status       TEXT NOT NULL,
	detail       TEXT NOT NULL DEFAULT '',
	updated_at   INTEGER NOT NULL,
	PRIMARY KEY (rollout_id, terminal_id)
);
CREATE INDEX rollout_terminals_terminal ON rollout_terminals(terminal_id);
`}
