package wipe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// impersonal keeps what a difference from the skeleton says about kinds,
// owners, modes and sizes, and drops what the visitor wrote: symlink
// targets and extended attribute names.
func impersonal(problem string) string {
	switch {
	case strings.HasPrefix(problem, "links to"):
		return "symlink target differs from the skeleton"
	case strings.HasPrefix(problem, "extended attributes"):
		return "extended attributes differ from the skeleton"
	}
	return problem
}

// impersonalErr drops the path an operating system error carries, keeping
// the operation and the cause: failures name places, never the visitor's
// files.
func impersonalErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("%s: %w", le.Op, le.Err)
	}
	return err
}
