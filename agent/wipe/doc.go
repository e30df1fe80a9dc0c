// Package wipe is the privacy wipe engine: at the end of every visitor
// session it removes everything the visitor left on the terminal and checks,
// independently of what it did, that nothing is left. A Receipt that is not
// Verified means the terminal must go out of service.
//
// # What a wipe does on Linux
//
//  1. Ends every process whose real, effective, saved or file-system user is
//     the visitor's: SIGTERM (and SIGCONT), Request.Grace to exit, then
//     rounds of SIGKILL until none is left. Each round first moves the
//     processes into the engine's own cgroup and freezes it (cgroup v2
//     cgroup.freeze and cgroup.kill, or the v1 freezer), so a fork storm
//     cannot outrun the kill; without a usable cgroup the rounds signal
//     alone. Each signal goes through a pidfd after the owner is checked,
//     so a recycled PID is never hit. Zombies are skipped: they hold
//     nothing. The X clipboard lives in the visitor's X clients and ends
//     with them.
//  2. Unmounts the FUSE mounts the visitor made (user_id in the mount's
//     options), lazily if busy, so the wipe goes through them and nothing
//     stays hidden under a mount point.
//  3. Removes the user's systemd manager and lingering (loginctl, and the
//     linger flag file), crontab (crontab -r and the spool file), at jobs
//     (spool files owned by the user) and print jobs: CUPS cancels the
//     pending ones and purges the queue's history when it holds only the
//     visitor's jobs, and the control and data files of the visitor's jobs
//     are removed from the spool. What is not installed is listed as
//     skipped.
//  4. Removes the visitor's System V shared memory segments, semaphore sets
//     and message queues (from /proc/sysvipc, owner or creator) and POSIX
//     message queues (through /dev/mqueue, or a private mount of the mqueue
//     file system), and empties the visitor's user, user session and
//     persistent kernel keyrings, working with the visitor's credentials
//     on a thread that is thrown away afterwards.
//  5. Resets the home to the skeleton with one of three strategies:
//     "overlay" (an overlay whose lower layer is a private, root-only copy of
//     the skeleton owned by the visitor, and whose upper layer is a fresh
//     tmpfs), "tmpfs" (a fresh tmpfs with the skeleton copied in) or "files"
//     (file by file, keeping what already matches by type, size, mode, owner,
//     extended attributes and SHA-256). The engine's own mounts carry the
//     source "piste-home" or "piste-upper" and are unmounted on the next wipe;
//     one still busy is detached, since no process of the visitor is left to
//     reach it. Accessibility and desktop settings live in the home and are
//     reset with it.
//  6. Removes every entry owned by the visitor (a directory with all it
//     holds) from /tmp, /var/tmp, /dev/shm (POSIX shared memory and
//     semaphores), Request.ExtraPaths, and every directory the visitor can
//     write to that is found at run time: the local, writable file systems
//     are searched (not /proc, /sys or /dev other than /dev/shm, nor
//     pseudo, network or FUSE file systems) for directories writable by
//     others or by one of the visitor's groups. Core dumps the kernel
//     writes in a working directory go with them. The home, the skeleton
//     and the state directory are never swept.
//  7. Empties the visitor's runtime directory /run/user/UID (logind's tmpfs
//     or a plain directory; the directory stays), and removes the visitor's
//     crash reports and core dumps from /var/crash, systemd-coredump's
//     directory and an absolute core_pattern's directory, and the visitor's
//     journal files (user-UID*.journal) from /var/log/journal and
//     /run/log/journal.
//  8. Verifies each class on its own ("verify CLASS" in receipts), without
//     trusting what the steps reported: no process of the visitor runs; no
//     FUSE mount of theirs is left; the home holds exactly the skeleton
//     (paths, types, sizes, modes with setuid/setgid/sticky, owners,
//     symlink targets, extended attribute names, and SHA-256 of contents
//     read afresh, not from any cache); no entry of the visitor is left in
//     the swept places, the runtime directory, the crash or journal
//     places; no crontab, at job or linger flag, no print job queued or
//     remembered, no spool file of theirs, no IPC object, no key.
//
// # Receipts
//
// A receipt says what was removed in counts by category ("removed: 3 from
// /tmp", "removed: 2 from ipc") and names failures by step and place (a
// swept directory, the home, a class), never by a name the visitor chose:
// file names, mount points, key descriptions and process names are
// personal data.
//
// # Hostile homes
//
// The visitor controls the files and the wipe runs as root, so the tree is
// walked with descriptor-relative calls only (openat with O_NOFOLLOW and
// O_DIRECTORY, statx with AT_SYMLINK_NOFOLLOW, unlinkat). Symlinks are
// removed, never followed. A hard-linked file is unlinked, never truncated,
// chmod'ed or kept (its other name may be outside the home). FIFOs, sockets
// and devices are never opened. Immutable and append-only attributes are
// cleared with FS_IOC_SETFLAGS on directories and on regular files with a
// single link; with Options.KeepImmutable, or on a hard-linked file, the
// wipe fails instead. A walk holds at most a small, fixed number of
// directory descriptors whatever the depth, going back up through ".."
// checked by device and inode, and builds no path unless it reports one.
//
// A mount inside the home (or inside a swept place) is never crossed and
// never unmounted: only root can make one, and the engine cannot know
// whose data it holds. The engine resets everything around it file by file
// and fails closed, naming the home or swept place it is in; an
// administrator finds it (findmnt), removes it and wipes again. FUSE mounts
// the visitor made are the exception: they are unmounted first.
//
// # Windows
//
// The Windows engine (engine_windows.go) ends the account's processes
// (TerminateProcess; Windows has no catchable terminate signal, so Grace
// does not apply), removes its jobs from local print queues through
// PowerShell, resets the profile folder file by file to the skeleton,
// removes the account's files from the system temp folder and verifies
// processes, profile contents and temp folder. The skeleton should be a
// whole profile, registry hive included; a hive still loaded cannot be
// removed and fails the wipe.
//
// Verified on Linux only: owners, modes and extended attributes of the home;
// immutable attributes; hard-link, FIFO, device and mount handling; the
// descriptor-relative walk (Windows uses path-based calls that do not follow
// symlinks or junctions, but are not proof against a tree changed while it
// runs); the tmpfs and overlay strategies; systemd, cron and at clean-up;
// cgroups, FUSE, IPC objects, keyrings, writable directories found at run
// time, runtime directory, crash dumps, journal and CUPS history; the
// real-user tests. The Windows engine is built in CI
// (GOOS=windows) but not run there; its path-based reset shares its logic
// with a test that runs on Linux.
package wipe
