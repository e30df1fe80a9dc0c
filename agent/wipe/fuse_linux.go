package wipe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// visitorFUSE lists the FUSE mounts the visitor made (fusermount records
// the mounting user as user_id), innermost first so each can be unmounted
// in turn.
func visitorFUSE(ms []mount, uid uint32) []mount {
	want := strconv.FormatUint(uint64(uid), 10)
	var out []mount
	for _, m := range ms {
		if m.FSType != "fuse" && m.FSType != "fuseblk" && !strings.HasPrefix(m.FSType, "fuse.") {
			continue
		}
		if v, ok := option(m.Super, "user_id"); ok && v == want {
			out = append(out, m)
		}
	}
	slices.Reverse(out)
	return out
}

// stepFUSE unmounts the visitor's FUSE mounts once their daemons have
// ended, so that the home and the swept places can be wiped through, and
// nothing is hidden under a mount point. Mount points are not reported:
// the visitor named them.
func (e *linuxEngine) stepFUSE(_ context.Context, rc *recorder, t target) {
	ms, err := readMounts()
	if err != nil {
		rc.fail(StepFUSE, "", err)
		return
	}
	for _, m := range visitorFUSE(ms, t.uid) {
		err := unix.Unmount(m.Point, unix.UMOUNT_NOFOLLOW)
		if errors.Is(err, unix.EBUSY) {
			err = unix.Unmount(m.Point, unix.UMOUNT_NOFOLLOW|unix.MNT_DETACH)
		}
		if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
			rc.fail(StepFUSE, fusePlace(t, m), fmt.Errorf("unmount a %s mount of the visitor: %w", m.FSType, err))
			continue
		}
		rc.count(StepFUSE, 1)
	}
	rc.ran(StepFUSE)
}

func (e *linuxEngine) verifyFUSE(_ context.Context, rc *recorder, t target) {
	ms, err := readMounts()
	if err != nil {
		rc.fail(verifyStep(StepFUSE), "", err)
		return
	}
	if left := visitorFUSE(ms, t.uid); len(left) > 0 {
		rc.fail(verifyStep(StepFUSE), fusePlace(t, left[0]), fmt.Errorf("%d FUSE mounts of the visitor left", len(left)))
	}
}

// fusePlace names where a mount is without naming it: the home, or the
// swept place it is in.
func fusePlace(t target, m mount) string {
	if within(m.Point, t.home) {
		return t.home
	}
	for _, p := range t.swept {
		if within(m.Point, p) {
			return p
		}
	}
	return "elsewhere"
}
