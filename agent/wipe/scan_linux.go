package wipe

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// hashCache remembers content hashes of files only root can write (the
// skeleton and the overlay lower copies), keyed by what changes whenever
// the content does. The visitor's own files are always hashed afresh.
type hashCache struct {
	mu sync.Mutex
	m  map[hashKey]string
}

type hashKey struct {
	dev, ino     uint64
	size         int64
	mtime, ctime int64
}

const maxCachedHashes = 1 << 20

func (c *hashCache) get(st stat) (string, bool) {
	if c == nil {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.m[hashKey{st.dev, st.ino, st.size, st.mtime, st.ctime}]
	return h, ok
}

func (c *hashCache) put(st stat, h string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedHashes {
		c.m = make(map[hashKey]string)
	}
	c.m[hashKey{st.dev, st.ino, st.size, st.mtime, st.ctime}] = h
}

// describe builds the Entry of name in dirfd (stat'ed as st), reading a
// symlink's target, and a file's hash and extended attributes. It never
// opens anything but regular files and directories.
func describe(dirfd int, name, rel string, st stat, cache *hashCache) (Entry, error) {
	e := Entry{Path: rel, Type: st.typ(), Mode: st.perm(), UID: st.uid, GID: st.gid}
	switch {
	case st.mountRoot:
		e.Type = TypeMount
		return e, nil
	case e.Type == TypeSymlink:
		link, err := readlinkAt(dirfd, name)
		e.Link = link
		return e, err
	case e.Type == TypeDir:
		fd, err := openDirAt(dirfd, name, st)
		if err != nil {
			return e, err
		}
		defer unix.Close(fd)
		e.Xattrs, err = xattrNames(fd)
		return e, err
	case e.Type == TypeFile:
		fd, err := openFileAt(dirfd, name, st)
		if err != nil {
			return e, err
		}
		defer unix.Close(fd)
		return describeFile(fd, e, st, cache)
	}
	return e, nil
}

func describeFile(fd int, e Entry, st stat, cache *hashCache) (Entry, error) {
	var err error
	e.Size = st.size
	if e.Xattrs, err = xattrNames(fd); err != nil {
		return e, fmt.Errorf("list extended attributes: %w", err)
	}
	if h, ok := cache.get(st); ok {
		e.SHA256 = h
		return e, nil
	}
	if e.SHA256, err = hashFD(fd); err != nil {
		return e, fmt.Errorf("hash: %w", err)
	}
	// Only cache when nothing changed while hashing.
	if after, err := statAt(fd, ""); err == nil && after.size == st.size && after.mtime == st.mtime && after.ctime == st.ctime {
		cache.put(st, e.SHA256)
	}
	return e, nil
}

// describeRoot builds the Entry of an open directory itself.
func describeRoot(fd int) (Entry, error) {
	st, err := statAt(fd, "")
	if err != nil {
		return Entry{}, err
	}
	x, err := xattrNames(fd)
	return Entry{Type: st.typ(), Mode: st.perm(), UID: st.uid, GID: st.gid, Xattrs: x}, err
}

func readlinkAt(dirfd int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		buf := make([]byte, size)
		n, err := unix.Readlinkat(dirfd, name, buf)
		if err != nil {
			return "", fmt.Errorf("read link: %w", err)
		}
		if n < size {
			return string(buf[:n]), nil
		}
	}
}

// scanTree builds the manifest of the tree below path. Only regular files,
// directories and symlinks are allowed: it is meant for the skeleton, and
// for the engine's private copies of it.
func scanTree(path string, cache *hashCache) (Manifest, error) {
	fd, err := openPath(path)
	if err != nil {
		return nil, fmt.Errorf("open %q: %w", path, err)
	}
	defer unix.Close(fd)
	root, err := describeRoot(fd)
	if err != nil {
		return nil, fmt.Errorf("describe %q: %w", path, err)
	}
	m := Manifest{"": root}
	var errs []error
	w := walker{
		visit: func(e walkEntry) bool {
			rel := e.rel()
			ent, err := describe(e.dirfd, e.name, rel, e.st, cache)
			switch {
			case err != nil:
				errs = append(errs, fmt.Errorf("%q: %w", rel, err))
			case ent.Type != TypeFile && ent.Type != TypeDir && ent.Type != TypeSymlink:
				errs = append(errs, fmt.Errorf("%q: a %s cannot be in a skeleton: remove it", rel, ent.Type))
			default:
				m[rel] = ent
			}
			return true
		},
		fail: func(rel string, err error) { errs = append(errs, fmt.Errorf("%q: %w", rel, err)) },
	}
	if err := w.walk(fd, ""); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("scan %q: %w", path, errors.Join(errs...))
	}
	return m, nil
}
