package wipe

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// hostileEnv is what a hostile case works with: the visitor, a visitor
// directory in a swept place, and a root-owned directory outside both.
type hostileEnv struct {
	u       testUser
	tmp     string // owned by root, swept (ExtraPaths)
	outside string // owned by root, never swept
}

// own gives a path to the visitor without following a symlink.
func (h hostileEnv) own(t *testing.T, p string) {
	t.Helper()
	require.NoError(t, os.Lchown(p, int(h.u.uid), int(h.u.gid)))
}

// places are where each hostile case plants its entries: the home, and a
// visitor-owned directory in a swept place.
func (h hostileEnv) places(t *testing.T) []string {
	t.Helper()
	dir := filepath.Join(h.tmp, "visitor")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	h.own(t, dir)
	return []string{h.u.home, dir}
}

func setImmutable(t *testing.T, p string, flag uint32) {
	t.Helper()
	fd, err := unix.Open(p, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	require.NoError(t, err)
	defer unix.Close(fd)
	old, err := unix.IoctlGetUint32(fd, unix.FS_IOC_GETFLAGS)
	if err == nil {
		err = unix.IoctlSetPointerInt(fd, unix.FS_IOC_SETFLAGS, int(old|flag))
	}
	if errors.Is(err, unix.ENOTTY) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EINVAL) {
		t.Skipf("the file system under %s does not support immutable attributes: %v", p, err)
	}
	require.NoError(t, err)
	// Let the test's clean-up remove the file if the wipe did not.
	t.Cleanup(func() { _ = exec.Command("chattr", "-i", "-a", p).Run() })
}

// mkDeep makes a chain of depth directories below dir with descriptor-
// relative calls: the path is far longer than PATH_MAX.
func mkDeep(t *testing.T, dir string, depth int, uid, gid uint32) {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	require.NoError(t, err)
	for range depth {
		require.NoError(t, unix.Mkdirat(fd, "d", 0o755))
		require.NoError(t, unix.Fchownat(fd, "d", int(uid), int(gid), 0))
		next, err := unix.Openat(fd, "d", unix.O_RDONLY|unix.O_DIRECTORY, 0)
		require.NoError(t, err)
		unix.Close(fd)
		fd = next
	}
	require.NoError(t, unix.Close(fd))
}

func TestWipeHostileHome(t *testing.T) {
	requireRoot(t)
	cases := []struct {
		name  string
		plant func(t *testing.T, h hostileEnv)
		check func(t *testing.T, h hostileEnv) // what outside the visitor's reach must be intact
	}{
		{
			name: "symlinks out of the home",
			plant: func(t *testing.T, h hostileEnv) {
				require.NoError(t, os.WriteFile(filepath.Join(h.outside, "keep"), []byte("keep"), 0o600))
				for _, dir := range h.places(t) {
					require.NoError(t, os.Symlink("/etc", filepath.Join(dir, "x")))
					require.NoError(t, os.Symlink(h.outside, filepath.Join(dir, "out")))
					h.own(t, filepath.Join(dir, "x"))
					h.own(t, filepath.Join(dir, "out"))
				}
				// A skeleton directory replaced by a symlink: fixing its owner or
				// mode must not reach the target.
				require.NoError(t, os.RemoveAll(filepath.Join(h.u.home, ".config")))
				require.NoError(t, os.Symlink(h.outside, filepath.Join(h.u.home, ".config")))
			},
			check: func(t *testing.T, h hostileEnv) {
				b, err := os.ReadFile(filepath.Join(h.outside, "keep"))
				require.NoError(t, err)
				assert.Equal(t, "keep", string(b))
				info, err := os.Stat(h.outside)
				require.NoError(t, err)
				assert.Equal(t, uint32(0), info.Sys().(*syscall.Stat_t).Uid, "outside directory changed owner")
			},
		},
		{
			name: "hard links to a file outside",
			plant: func(t *testing.T, h hostileEnv) {
				// Same content, owner and mode as the skeleton's .bashrc, so
				// only the link count tells that it must not be kept.
				target := filepath.Join(h.outside, "linked")
				b, err := os.ReadFile("testdata/skel/.bashrc")
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(target, b, 0o644))
				h.own(t, target)
				require.NoError(t, os.Remove(filepath.Join(h.u.home, ".bashrc")))
				if err := os.Link(target, filepath.Join(h.u.home, ".bashrc")); errors.Is(err, syscall.EXDEV) {
					t.Skip("the test's outside directory and the home are on different file systems: no hard link possible")
				} else {
					require.NoError(t, err)
				}
				for _, dir := range h.places(t) {
					require.NoError(t, os.Link(target, filepath.Join(dir, "hl")))
				}
			},
			check: func(t *testing.T, h hostileEnv) {
				target := filepath.Join(h.outside, "linked")
				info, err := os.Lstat(target)
				require.NoError(t, err, "the outside file must survive")
				b, err := os.ReadFile("testdata/skel/.bashrc")
				require.NoError(t, err)
				got, err := os.ReadFile(target)
				require.NoError(t, err)
				assert.Equal(t, b, got)
				assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
				assert.Equal(t, h.u.uid, info.Sys().(*syscall.Stat_t).Uid)
				assert.Equal(t, uint64(1), uint64(info.Sys().(*syscall.Stat_t).Nlink), "links in the home must be gone")
			},
		},
		{
			name: "directories with mode 000",
			plant: func(t *testing.T, h hostileEnv) {
				for _, dir := range h.places(t) {
					inner := filepath.Join(dir, "locked", "inner")
					require.NoError(t, os.MkdirAll(inner, 0o755))
					require.NoError(t, os.WriteFile(filepath.Join(inner, "f"), []byte("x"), 0o000))
					for _, p := range []string{filepath.Join(inner, "f"), inner, filepath.Dir(inner)} {
						h.own(t, p)
						require.NoError(t, os.Chmod(p, 0))
					}
				}
				require.NoError(t, os.Chmod(filepath.Join(h.u.home, ".config"), 0))
			},
		},
		{
			name: "immutable and append-only files",
			plant: func(t *testing.T, h hostileEnv) {
				for _, dir := range h.places(t) {
					imm, app, immDir := filepath.Join(dir, "imm"), filepath.Join(dir, "app"), filepath.Join(dir, "immdir")
					require.NoError(t, os.WriteFile(imm, []byte("x"), 0o644))
					require.NoError(t, os.WriteFile(app, []byte("x"), 0o644))
					require.NoError(t, os.Mkdir(immDir, 0o755))
					require.NoError(t, os.WriteFile(filepath.Join(immDir, "f"), []byte("x"), 0o644))
					for _, p := range []string{imm, app, immDir, filepath.Join(immDir, "f")} {
						h.own(t, p)
					}
					setImmutable(t, imm, fsImmutableFL)
					setImmutable(t, app, fsAppendFL)
					setImmutable(t, immDir, fsImmutableFL)
				}
				setImmutable(t, filepath.Join(h.u.home, ".profile"), fsImmutableFL)
			},
		},
		{
			name: "fifo, socket and device nodes",
			plant: func(t *testing.T, h hostileEnv) {
				for _, dir := range h.places(t) {
					require.NoError(t, unix.Mkfifo(filepath.Join(dir, "fifo"), 0o600))
					require.NoError(t, unix.Mknod(filepath.Join(dir, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
					require.NoError(t, unix.Mknod(filepath.Join(dir, "loop"), unix.S_IFBLK|0o600, int(unix.Mkdev(7, 200))))
					fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM, 0)
					require.NoError(t, err)
					require.NoError(t, unix.Bind(fd, &unix.SockaddrUnix{Name: filepath.Join(dir, "sock")}))
					unix.Close(fd)
					for _, n := range []string{"fifo", "null", "loop", "sock"} {
						h.own(t, filepath.Join(dir, n))
					}
				}
				// A skeleton file replaced by a FIFO: reading it would hang.
				require.NoError(t, os.Remove(filepath.Join(h.u.home, ".bashrc")))
				require.NoError(t, unix.Mkfifo(filepath.Join(h.u.home, ".bashrc"), 0o644))
				h.own(t, filepath.Join(h.u.home, ".bashrc"))
			},
		},
		{
			name: "names with newlines and invalid UTF-8",
			plant: func(t *testing.T, h hostileEnv) {
				for _, dir := range h.places(t) {
					for _, n := range []string{"new\nline", "bad\xff\xfeutf8", " lead", "tab\there", "-rf", "\\back", "dir\n\xff"} {
						p := filepath.Join(dir, n)
						require.NoError(t, os.WriteFile(p, []byte(n), 0o644))
						h.own(t, p)
					}
					d := filepath.Join(dir, "d\n\xc3(")
					require.NoError(t, os.Mkdir(d, 0o755))
					require.NoError(t, os.WriteFile(filepath.Join(d, "\n"), []byte("x"), 0o644))
					h.own(t, d)
				}
			},
		},
		{
			name: "a 10,000-deep tree",
			plant: func(t *testing.T, h hostileEnv) {
				for _, dir := range h.places(t) {
					require.NoError(t, os.Mkdir(filepath.Join(dir, "deep"), 0o755))
					h.own(t, filepath.Join(dir, "deep"))
					mkDeep(t, filepath.Join(dir, "deep"), 10000, h.u.uid, h.u.gid)
				}
			},
		},
		{
			name: "files written while the wipe runs",
			plant: func(t *testing.T, h hostileEnv) {
				for _, dir := range h.places(t) {
					startAs(t, h.u, `while :; do head -c 4096 /dev/zero >> "`+dir+`/growing"; mkdir -p "`+dir+`/spawn/$$" 2>/dev/null; done`)
				}
				require.Eventually(t, func() bool {
					_, err := os.Stat(filepath.Join(h.u.home, "growing"))
					return err == nil
				}, 5*time.Second, 10*time.Millisecond)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := newTestUser(t)
			skel := makeSkeleton(t)
			e := newTestEngine(t, Options{})
			h := hostileEnv{u: u, tmp: t.TempDir(), outside: outsideDir(t)}
			req := request(u, skel, StrategyFiles)
			req.ExtraPaths = []string{h.tmp}
			requireVerified(t, e.Wipe(context.Background(), req))
			passwd := etcPasswd(t)
			tc.plant(t, h)

			r := wipeWithin(t, e, req, 2*time.Minute)

			requireVerified(t, r)
			assertHomeIsSkeleton(t, u, skel)
			assertNothingOwned(t, u.uid, h.tmp)
			entries, err := os.ReadDir(h.tmp)
			require.NoError(t, err)
			assert.Empty(t, entries, "the visitor's directory in the swept place must be gone")
			assert.Equal(t, passwd, etcPasswd(t))
			if tc.check != nil {
				tc.check(t, h)
			}
		})
	}
}

// outsideDir makes a root-owned directory that no wipe sweeps (t.TempDir
// is in /tmp, which every wipe sweeps).
func outsideDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/var/lib", "piste-wipe-test-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// wipeWithin fails the test instead of hanging when a wipe blocks, as it
// would on opening a FIFO.
func wipeWithin(t *testing.T, e Engine, req Request, d time.Duration) Receipt {
	t.Helper()
	done := make(chan Receipt, 1)
	go func() { done <- e.Wipe(context.Background(), req) }()
	select {
	case r := <-done:
		return r
	case <-time.After(d):
		t.Fatalf("wipe did not finish within %v", d)
		return Receipt{}
	}
}

// failuresAbout returns the failures whose path contains part.
func failuresAbout(r Receipt, part string) []Failure {
	var out []Failure
	for _, f := range r.Failures {
		if strings.Contains(f.Path, part) {
			out = append(out, f)
		}
	}
	return out
}

// A bind mount inside the home is never crossed nor unmounted: the engine
// cannot know whose it is. It resets everything around it and fails closed,
// naming the home (never a name inside it).
func TestWipeBindMountInsideHomeFailsClosed(t *testing.T) {
	requireRoot(t)
	for _, s := range newTestEngine(t, Options{}).Strategies() {
		t.Run(string(s), func(t *testing.T) {
			u := newTestUser(t)
			skel := makeSkeleton(t)
			e := newTestEngine(t, Options{})
			req := request(u, skel, s)
			requireVerified(t, e.Wipe(context.Background(), req))
			outside := outsideDir(t)
			require.NoError(t, os.WriteFile(filepath.Join(outside, "keep"), []byte("keep"), 0o644))
			runAs(t, u, `mkdir "$HOME/bind" && echo junk > "$HOME/junk"`)
			require.NoError(t, unix.Mount(outside, filepath.Join(u.home, "bind"), "", unix.MS_BIND, ""))

			r := e.Wipe(context.Background(), req)

			assert.False(t, r.Verified, "a mount inside the home must fail the wipe")
			fails := failuresAbout(r, u.home)
			require.NotEmpty(t, fails, "the failure must name the home:\n%s", receiptJSON(r))
			assert.Contains(t, fails[0].Error, "mount point")
			assert.NotContains(t, receiptJSON(r), "bind", "the receipt must not name what is inside the home")
			assert.Equal(t, StrategyFiles, r.Strategy)
			assert.NoFileExists(t, filepath.Join(u.home, "junk"), "the rest of the home must still be reset")
			b, err := os.ReadFile(filepath.Join(outside, "keep"))
			require.NoError(t, err, "the mounted directory must not be touched")
			assert.Equal(t, "keep", string(b))
		})
	}
}
