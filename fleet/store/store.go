// Package store keeps the fleet's state in an embedded SQLite database: the
// branches, staff, terminals, their events and health, and the command queue.
// Writes go through one connection (SQLite has one writer); reads use a pool.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a row with the same key exists.
var ErrConflict = errors.New("already exists")

// Store is the fleet database.
type Store struct {
	w *sql.DB // the single writer
	r *sql.DB // readers
	// turn queues writers first come, first served: database/sql hands a
	// freed connection to an arbitrary waiter, which under load left some
	// visitor logins waiting many times longer than the rest.
	turn chan struct{}

	grants     chan *grantJob
	grantsOnce sync.Once
	closed     chan struct{}
	closeOnce  sync.Once
}

// FileName is the database file inside the data directory.
const FileName = "piste.db"

// Open opens (creating if missing) the database in dir and migrates it.
func Open(dir string) (*Store, error) {
	if err := private(dir); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, FileName)
	// synchronous(FULL): an event is acked to the agent only after commit,
	// so a commit must survive power loss, not just a crash.
	base := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	s := &Store{w: w, r: r, turn: make(chan struct{}, 1), grants: make(chan *grantJob), closed: make(chan struct{})}
	if err := s.migrate(context.Background()); err != nil {
		s.Close()
		return nil, err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := privateFile(path + suffix); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.closeOnce.Do(func() { close(s.closed) })
	return errors.Join(s.r.Close(), s.w.Close())
}

func (s *Store) migrate(ctx context.Context) error {
	var version int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	for i := version; i < len(migrations); i++ {
		err := s.tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", i+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migrate to schema %d: %w", i+1, err)
		}
	}
	return nil
}

// tx runs fn in a write transaction.
func (s *Store) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	select {
	case s.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.turn }()
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Times are stored as Unix milliseconds: compact, sortable, zone-free.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func nullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}
