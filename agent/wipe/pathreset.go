package wipe

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// This file resets a tree with path-based calls that never follow a link.
// It serves platforms without descriptor-relative calls (Windows), where
// owners and modes are not compared: the Linux engine does not use it.

// pathEntry describes one entry found by Lstat.
func pathEntry(full, rel string, info fs.FileInfo) (Entry, error) {
	e := Entry{Path: rel}
	switch {
	case info.Mode().IsRegular():
		e.Type, e.Size = TypeFile, info.Size()
		sum, err := hashPath(full)
		e.SHA256 = sum
		return e, err
	case info.IsDir():
		e.Type = TypeDir
	case info.Mode()&fs.ModeSymlink != 0, info.Mode()&fs.ModeIrregular != 0:
		// Symlinks and, on Windows, junctions: compared by target only.
		e.Type = TypeSymlink
		e.Link, _ = os.Readlink(full)
	case info.Mode()&fs.ModeNamedPipe != 0:
		e.Type = TypeFIFO
	case info.Mode()&fs.ModeSocket != 0:
		e.Type = TypeSocket
	default:
		e.Type = TypeDevice
	}
	return e, nil
}

func hashPath(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pathManifest describes the tree below root. WalkDir does not follow
// symlinks or junctions.
func pathManifest(root string) (Manifest, error) {
	m := Manifest{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); rel == "." {
			rel = ""
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e, err := pathEntry(p, rel, info)
		m[rel] = e
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("wipe: describe %q: %w", root, err)
	}
	return m, nil
}

// pathResetter resets a tree to a skeleton by path.
type pathResetter struct {
	want         Manifest
	kids         map[string][]string
	fail         func(path string, err error)
	files, bytes int64
}

func newPathResetter(want Manifest, fail func(string, error)) *pathResetter {
	return &pathResetter{want: want, kids: children(want), fail: fail}
}

// reset makes dir (at rel) hold what skel holds.
func (r *pathResetter) reset(dir, skel, rel string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		r.fail(dir, fmt.Errorf("list directory: %w", impersonalErr(err)))
		return
	}
	var kept []string
	for _, ent := range ents {
		crel := joinRel(rel, ent.Name())
		full := filepath.Join(dir, ent.Name())
		if r.keep(full, filepath.Join(skel, ent.Name()), crel) {
			kept = append(kept, ent.Name())
			continue
		}
		r.remove(full)
	}
	for _, kid := range r.kids[rel] {
		if !slices.Contains(kept, kid) {
			r.copy(filepath.Join(skel, kid), filepath.Join(dir, kid), joinRel(rel, kid))
		}
	}
}

func joinRel(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// keep reports whether full may stay, resetting it first if it is a
// directory the skeleton has too.
func (r *pathResetter) keep(full, skel, rel string) bool {
	want, ok := r.want[rel]
	if !ok {
		return false
	}
	info, err := os.Lstat(full)
	if err != nil {
		return false
	}
	if want.Type == TypeDir && info.IsDir() && info.Mode()&fs.ModeIrregular == 0 {
		r.reset(full, skel, rel)
		return true
	}
	got, err := pathEntry(full, rel, info)
	return err == nil && compareEntry(want, got, compareOpts{}) == ""
}

func (r *pathResetter) remove(full string) {
	info, err := os.Lstat(full)
	if err != nil {
		return
	}
	if info.Mode().IsRegular() {
		err = os.Remove(full)
		if err != nil {
			// A read-only file: clear the attribute (of the file itself, it
			// is no link) and try again.
			_ = os.Chmod(full, 0o666)
			err = os.Remove(full)
		}
		if err == nil {
			r.files++
			r.bytes += info.Size()
		}
	} else {
		files, bytes := pathCount(full)
		if err = os.RemoveAll(full); err == nil {
			r.files += files
			r.bytes += bytes
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		r.fail(full, fmt.Errorf("remove: %w", impersonalErr(err)))
	}
}

func (r *pathResetter) copy(src, dst, rel string) {
	var err error
	switch want := r.want[rel]; want.Type {
	case TypeDir:
		if err = os.Mkdir(dst, 0o700); err == nil {
			for _, kid := range r.kids[rel] {
				r.copy(filepath.Join(src, kid), filepath.Join(dst, kid), joinRel(rel, kid))
			}
		}
	case TypeFile:
		err = copyPath(src, dst)
	case TypeSymlink:
		err = os.Symlink(want.Link, dst)
	default:
		err = fmt.Errorf("a %s cannot be copied from the skeleton", want.Type)
	}
	if err != nil {
		r.fail(dst, fmt.Errorf("copy from skeleton: %w", impersonalErr(err)))
	}
}

func copyPath(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// pathCount counts the entries that are not directories below root, and
// the bytes of the regular ones.
func pathCount(root string) (files, bytes int64) {
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		files++
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
			bytes += info.Size()
		}
		return nil
	})
	return files, bytes
}
