package wipe

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestReadableBy(t *testing.T) {
	visitor := &reader{uid: 1500, gids: []uint32{1500, 100}}
	m := Manifest{
		"":                   {Type: TypeDir, Mode: 0o700},
		"public":             {Type: TypeFile, Mode: 0o644},
		"root-only":          {Type: TypeFile, Mode: 0o600},
		"group-readable":     {Type: TypeFile, Mode: 0o640, GID: 100},
		"other-group":        {Type: TypeFile, Mode: 0o640, GID: 27},
		"visitors-own":       {Type: TypeFile, Mode: 0o400, UID: 1500},
		"owner-cannot-read":  {Type: TypeFile, Mode: 0o044, UID: 1500},
		"private":            {Type: TypeDir, Mode: 0o700},
		"private/inside":     {Type: TypeFile, Mode: 0o644},
		"private/deep":       {Type: TypeDir, Mode: 0o755},
		"private/deep/file":  {Type: TypeFile, Mode: 0o644},
		"search-only":        {Type: TypeDir, Mode: 0o711},
		"search-only/file":   {Type: TypeFile, Mode: 0o644},
		"open":               {Type: TypeDir, Mode: 0o755},
		"open/file":          {Type: TypeFile, Mode: 0o644},
		"open/secret":        {Type: TypeFile, Mode: 0o640},
		"link-to-shadow":     {Type: TypeSymlink, Mode: 0o777, Link: "/etc/shadow"},
		"private-lookalike":  {Type: TypeFile, Mode: 0o644},
		"private-lookalike2": {Type: TypeDir, Mode: 0o755},
	}
	got, dropped := readableBy(m, visitor)
	var kept []string
	for p := range got {
		kept = append(kept, p)
	}
	assert.ElementsMatch(t, []string{"", "public", "group-readable", "visitors-own", "open", "open/file",
		"link-to-shadow", "private-lookalike", "private-lookalike2"}, kept)
	assert.ElementsMatch(t, []string{"root-only", "other-group", "owner-cannot-read", "private", "search-only", "open/secret"}, dropped,
		"what is below a dropped directory is not listed again")
}

// A skeleton that holds root-only files (as /etc would) gives the visitor
// only what they could read in it; the rest is reported and the wipe still
// verifies.
func TestSkeletonCopyHandsOnlyWhatTheVisitorCanRead(t *testing.T) {
	requireRoot(t)
	for _, s := range newTestEngine(t, Options{}).Strategies() {
		t.Run(string(s), func(t *testing.T) {
			u := newTestUser(t)
			skel := makeSkeleton(t)
			write := func(rel, text string, mode os.FileMode, gid int) {
				p := filepath.Join(skel, rel)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, []byte(text), mode))
				require.NoError(t, os.Chmod(p, mode))
				require.NoError(t, os.Chown(p, 0, gid))
			}
			write("shadow", "root-only secret", 0o600, 0)
			write("vault/notes", "secret behind a private directory", 0o644, 0)
			require.NoError(t, os.Chmod(filepath.Join(skel, "vault"), 0o700))
			write("for-visitors", "the visitor's group may read this", 0o640, int(u.gid))
			require.NoError(t, os.Symlink("/etc/shadow", filepath.Join(skel, "shadow-link")))

			e := newTestEngine(t, Options{})
			r := e.Wipe(context.Background(), request(u, skel, s))
			requireVerified(t, r)
			assert.Contains(t, strings.Join(r.StepsSkipped, "\n"), "2 skeleton entries the visitor cannot read were not copied")

			assert.NoFileExists(t, filepath.Join(u.home, "shadow"))
			assert.NoDirExists(t, filepath.Join(u.home, "vault"))
			b, err := os.ReadFile(filepath.Join(u.home, "for-visitors"))
			require.NoError(t, err)
			assert.Equal(t, "the visitor's group may read this", string(b))
			link, err := os.Readlink(filepath.Join(u.home, "shadow-link"))
			require.NoError(t, err)
			assert.Equal(t, "/etc/shadow", link, "a symlink is copied as a link, never followed")
			_ = filepath.WalkDir(u.home, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Type().IsRegular() {
					b, _ := os.ReadFile(p)
					assert.NotContains(t, string(b), "secret", "%s holds a root-only secret", p)
				}
				return nil
			})

			// The next wipe keeps it so, with the visitor's home as left.
			requireVerified(t, e.Wipe(context.Background(), request(u, skel, s)))
			assert.NoFileExists(t, filepath.Join(u.home, "shadow"))
		})
	}
}

// A skeleton file made private between the scan and the copy is not
// copied: the copier checks each entry as it opens it.
func TestCopierRechecksReadabilityAtCopy(t *testing.T) {
	skel, home := t.TempDir(), t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(skel, "notes"), []byte("was public"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(skel, "dir"), 0o755))
	want := Manifest{"": {Type: TypeDir, Mode: 0o700}, "notes": {Type: TypeFile, Mode: 0o644}, "dir": {Type: TypeDir, Mode: 0o755}}
	require.NoError(t, os.Chmod(filepath.Join(skel, "notes"), 0o600))
	require.NoError(t, os.Chmod(filepath.Join(skel, "dir"), 0o700))

	failures := map[string]string{}
	// A uid no account has, so the files' owner is never the visitor.
	c := &copier{want: want, kids: children(want), uid: 4242424, gid: 4242424,
		fail: func(path string, err error) { failures[path] = err.Error() }}
	src, err := openPath(skel)
	require.NoError(t, err)
	defer unix.Close(src)
	dst, err := openPath(home)
	require.NoError(t, err)
	defer unix.Close(dst)
	c.copyEntry(src, dst, "notes", "notes", home)
	c.copyEntry(src, dst, "dir", "dir", home)

	assert.Contains(t, failures[filepath.Join(home, "notes")], "not readable by the visitor")
	assert.Contains(t, failures[filepath.Join(home, "dir")], "not readable by the visitor")
	assert.NoFileExists(t, filepath.Join(home, "notes"), "nothing of the private file was written")
	assert.NoDirExists(t, filepath.Join(home, "dir"))
}
