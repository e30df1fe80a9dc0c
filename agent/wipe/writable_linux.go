package wipe

import (
	"errors"
	"fmt"
	"os/user"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// File systems that hold no files a visitor could leave (kernel interfaces),
// that are another machine's (network), or that the engine handles
// elsewhere (FUSE mounts are unmounted, message queues are IPC objects).
var pseudoFS = map[string]bool{
	"proc": true, "sysfs": true, "devtmpfs": true, "devpts": true, "cgroup": true, "cgroup2": true,
	"securityfs": true, "debugfs": true, "tracefs": true, "bpf": true, "pstore": true, "configfs": true,
	"fusectl": true, "hugetlbfs": true, "mqueue": true, "binfmt_misc": true, "autofs": true,
	"efivarfs": true, "selinuxfs": true, "rpc_pipefs": true, "nsfs": true,
	"nfs": true, "nfs4": true, "cifs": true, "smb3": true, "9p": true, "ceph": true, "glusterfs": true,
	"fuse": true, "fuseblk": true,
}

// kernelTrees hold kernel interfaces; of them only the shared-memory places
// below /dev take files.
var kernelTrees = []string{"/proc", "/sys", "/dev"}

// maxDiscoverDepth bounds the search for writable directories. Only root
// and other accounts make the trees it enters (a visitor's own directories
// are not entered), so a deeper tree is an anomaly and fails closed.
const maxDiscoverDepth = 256

// walkedMounts lists the mount points to search for writable directories:
// local, writable file systems outside the kernel's trees, each file system
// directory once.
func walkedMounts(ms []mount) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		if pseudoFS[m.FSType] || strings.HasPrefix(m.FSType, "fuse.") || has(m.Options, "ro") {
			continue
		}
		if inKernelTree(m.Point) {
			continue
		}
		if top, ok := topMount(ms, m.Point); !ok || top.ID != m.ID {
			continue // hidden under another mount: nothing can reach it
		}
		key := m.Dev + "\x00" + m.Root
		if seen[key] {
			continue // a bind mount of a directory already searched
		}
		seen[key] = true
		out = append(out, m.Point)
	}
	return out
}

func inKernelTree(p string) bool {
	if p == "/dev/shm" || within(p, "/dev/shm") || p == "/dev/mqueue" {
		return false
	}
	for _, k := range kernelTrees {
		if within(p, k) {
			return true
		}
	}
	return false
}

// userGroups lists the groups the account is a member of.
func userGroups(name string, gid uint32) map[uint32]bool {
	out := map[uint32]bool{gid: true}
	u, err := user.Lookup(name)
	if err != nil {
		return out
	}
	ids, _ := u.GroupIds()
	for _, s := range ids {
		if g, err := strconv.ParseUint(s, 10, 32); err == nil {
			out[uint32(g)] = true
		}
	}
	return out
}

// writableBy reports whether the visitor can make entries in a directory
// they do not own: it is writable by others (like /tmp), or by a group the
// visitor is in.
func writableBy(st stat, uid uint32, groups map[uint32]bool) bool {
	if st.uid == uid {
		return false
	}
	return st.mode&0o002 != 0 || (st.mode&0o020 != 0 && groups[st.gid])
}

// discovery finds, at run time, every directory on the local file systems
// where the visitor could have left files: writable by others or by one of
// the visitor's groups, and not their own.
type discovery struct {
	uid     uint32
	groups  map[uint32]bool
	skip    map[inode]bool // not entered: the home, the skeleton, the state
	covered []string       // already swept, with all below them
	found   []string
	errs    []error
	mount   string // the mount point being searched, for reports
}

// discoverWritable searches every walked mount and returns the writable
// directories outside covered. A writable directory is not entered: the
// sweep of it reaches all below, and only there can the visitor have made
// deep trees.
func discoverWritable(ms []mount, uid uint32, groups map[uint32]bool, skip map[inode]bool, covered []string) ([]string, error) {
	d := &discovery{uid: uid, groups: groups, skip: skip, covered: covered}
	for _, p := range walkedMounts(ms) {
		d.mount = p
		fd, err := openPath(p)
		if err != nil {
			if !errors.Is(err, unix.ENOENT) {
				d.errs = append(d.errs, fmt.Errorf("open mount %s: %w", p, err))
			}
			continue
		}
		if st, err := statAt(fd, ""); err != nil {
			d.errs = append(d.errs, fmt.Errorf("stat mount %s: %w", p, err))
		} else {
			d.dir(fd, st, p, 0)
		}
		unix.Close(fd)
	}
	slices.Sort(d.found)
	return d.found, errors.Join(d.errs...)
}

// isCovered reports whether a sweep of a covered place reaches p: p is
// below it and on the same file system (a sweep never crosses a mount).
func (d *discovery) isCovered(p string) bool {
	return slices.ContainsFunc(d.covered, func(c string) bool { return within(p, c) && onMount(c, d.mount) })
}

// onMount reports whether p is at or below the mount point m.
func onMount(p, m string) bool { return m == "/" || within(p, m) }

// dir looks at an open directory and searches the directories below it.
// Errors name the mount being searched, never a directory in it: those
// can be other accounts'.
func (d *discovery) dir(fd int, st stat, path string, depth int) {
	if d.skip[inode{st.dev, st.ino}] || st.uid == d.uid || d.isCovered(path) {
		return
	}
	if writableBy(st, d.uid, d.groups) {
		d.found = append(d.found, path)
		return
	}
	if depth >= maxDiscoverDepth {
		d.errs = append(d.errs, fmt.Errorf("a tree deeper than %d levels in %s was not searched", maxDiscoverDepth, d.mount))
		return
	}
	names, err := readDirNames(fd)
	if err != nil {
		d.errs = append(d.errs, fmt.Errorf("list a directory in %s: %w", d.mount, err))
		return
	}
	for _, name := range names {
		sub, err := statAt(fd, name)
		if err != nil || !sub.isDir() || sub.mountRoot || sub.dev != st.dev {
			continue // gone, not a directory, or another mount (searched on its own)
		}
		cfd, err := openDirAt(fd, name, sub)
		if err != nil {
			if !errors.Is(err, unix.ENOENT) {
				d.errs = append(d.errs, fmt.Errorf("open a directory in %s: %w", d.mount, err))
			}
			continue
		}
		d.dir(cfd, sub, strings.TrimSuffix(path, "/")+"/"+name, depth+1)
		unix.Close(cfd)
	}
}

// readDirNames lists the subdirectories of an open directory, and the
// entries whose type the file system does not say, from the types getdents
// reports: most entries are files, and this search must not stat them all.
func readDirNames(fd int) ([]string, error) {
	if _, err := unix.Seek(fd, 0, 0); err != nil {
		return nil, err
	}
	var names []string
	buf := make([]byte, 32<<10)
	for {
		n, err := unix.Getdents(fd, buf)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		for b := buf[:n]; len(b) > 0; {
			reclen := int(b[16]) | int(b[17])<<8
			if reclen == 0 || reclen > len(b) {
				return names, errors.New("malformed directory entry")
			}
			typ := b[18]
			name := b[19:reclen]
			if i := slices.Index(name, 0); i >= 0 {
				name = name[:i]
			}
			if s := string(name); s != "." && s != ".." && (typ == unix.DT_DIR || typ == unix.DT_UNKNOWN) {
				names = append(names, s)
			}
			b = b[reclen:]
		}
	}
}
