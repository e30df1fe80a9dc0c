package outbox

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"piste/fleet/protocol"
)

// MaxEvents bounds the outbox of a terminal that is offline for a long
// time. Past it, the oldest health samples are dropped first: they matter
// least, and only as a series.
const MaxEvents = 200_000

// File is a durable outbox in an SQLite file.
type File struct {
	db     *sql.DB
	epoch  string
	notify chan struct{}
	mu     sync.Mutex // serialises appends so seqs are dense and ordered
	count  int
}

// Open opens (creating if missing) the outbox in the agent's state dir.
func Open(dir string) (*File, error) {
	path := filepath.Join(dir, "outbox.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(5000)")
	if err != nil {
		return nil, fmt.Errorf("outbox: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	f := &File{db: db, notify: make(chan struct{}, 1)}
	if err := f.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox: %s: %w", path, err)
	}
	return f, nil
}

func (f *File) init() error {
	_, err := f.db.Exec(`
		CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
		CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, at INTEGER NOT NULL, data BLOB);
		CREATE TABLE IF NOT EXISTS commands (id TEXT PRIMARY KEY, at INTEGER NOT NULL);`)
	if err != nil {
		return err
	}
	err = f.db.QueryRow(`SELECT value FROM meta WHERE key = 'epoch'`).Scan(&f.epoch)
	if err == sql.ErrNoRows {
		f.epoch = newEpoch()
		_, err = f.db.Exec(`INSERT INTO meta (key, value) VALUES ('epoch', ?)`, f.epoch)
	}
	if err != nil {
		return err
	}
	return f.db.QueryRow(`SELECT COUNT(*) FROM events`).Scan(&f.count)
}

func (f *File) Epoch() string { return f.epoch }

// Append stores an event. AUTOINCREMENT guarantees a seq is never reused,
// even after the newest events were acked and deleted.
func (f *File) Append(kind string, at time.Time, data []byte) (uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res, err := f.db.Exec(`INSERT INTO events (kind, at, data) VALUES (?, ?, ?)`, kind, at.UnixMicro(), data)
	if err != nil {
		return 0, fmt.Errorf("outbox: append %s: %w", kind, err)
	}
	seq, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	f.count++
	if f.count > MaxEvents {
		f.dropOldHealth()
	}
	signal(f.notify)
	return uint64(seq), nil
}

func (f *File) dropOldHealth() {
	res, err := f.db.Exec(`DELETE FROM events WHERE seq IN
		(SELECT seq FROM events WHERE kind = ? ORDER BY seq LIMIT ?)`, protocol.EventHealth, MaxEvents/10)
	if err != nil {
		return
	}
	n, _ := res.RowsAffected()
	f.count -= int(n)
}

func (f *File) After(after uint64, limit int) ([]protocol.Event, error) {
	rows, err := f.db.Query(`SELECT seq, kind, at, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("outbox: read: %w", err)
	}
	defer rows.Close()
	var out []protocol.Event
	for rows.Next() {
		var e protocol.Event
		var at int64
		var data []byte
		if err := rows.Scan(&e.Seq, &e.Kind, &at, &data); err != nil {
			return nil, err
		}
		e.Epoch, e.At, e.Data = f.epoch, time.UnixMicro(at).UTC(), data
		out = append(out, e)
	}
	return out, rows.Err()
}

func (f *File) Ack(upTo uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	res, err := f.db.Exec(`DELETE FROM events WHERE seq <= ?`, upTo)
	if err != nil {
		return fmt.Errorf("outbox: ack: %w", err)
	}
	n, _ := res.RowsAffected()
	f.count -= int(n)
	return nil
}

func (f *File) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.count
}

func (f *File) Notify() <-chan struct{} { return f.notify }

// FirstSeen records a command id; ids older than 60 days are forgotten
// (commands expire long before that).
func (f *File) FirstSeen(id string) (bool, error) {
	now := time.Now()
	res, err := f.db.Exec(`INSERT OR IGNORE INTO commands (id, at) VALUES (?, ?)`, id, now.Unix())
	if err != nil {
		return false, fmt.Errorf("outbox: record command: %w", err)
	}
	n, _ := res.RowsAffected()
	f.db.Exec(`DELETE FROM commands WHERE at < ?`, now.Add(-60*24*time.Hour).Unix())
	return n == 1, nil
}

func (f *File) Close() error { return f.db.Close() }
