package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// private makes the data directory 0700 and the files in it 0600, also when
// an older install or an administrator's umask left them readable: the
// database holds card hashes and reservations, the directory keys.
func private(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("store: create data dir: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("store: make data dir %s private (chmod 700): %w", dir, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("store: read data dir: %w", err)
	}
	for _, e := range entries {
		if err := privateFile(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	// SQLite gives a new -wal and -shm file the database file's mode: a
	// database that is 0600 before the first open keeps its journal 0600.
	db := filepath.Join(dir, FileName)
	f, err := os.OpenFile(db, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("store: create %s: %w", db, err)
	}
	return f.Close()
}

// privateFile takes group and others' access from a regular file; other
// kinds (sockets, subdirectories) keep theirs.
func privateFile(path string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if !info.Mode().IsRegular() || info.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, info.Mode().Perm()&0o700); err != nil {
		return fmt.Errorf("store: make %s private (chmod 600): %w", path, err)
	}
	return nil
}
