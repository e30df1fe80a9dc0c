// Package fault holds the fleet's domain errors: the kinds every adapter
// (JSON API, web pages, CLI) tells apart, so a rule's outcome reaches a
// person the same way whichever door they came in by.
package fault

import (
	"errors"
	"fmt"
)

// The kinds of refusal a caller acts on. Anything else is an internal
// failure and is never shown in detail.
var (
	ErrUnauthenticated = errors.New("not logged in")
	ErrForbidden       = errors.New("forbidden")
	ErrNotFound        = errors.New("not found")
	ErrConflict        = errors.New("conflict")
)

// FieldError is bad input: Field names what was wrong (a request field or
// a policy key), Reason says what is expected, in words for a person.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string { return e.Reason }

// Field returns a FieldError for field.
func Field(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// AsField returns the FieldError in err's chain.
func AsField(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}

// kindError is one of the sentinel kinds with a message for a person.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func kind(k error, format string, args ...any) error {
	return &kindError{kind: k, msg: fmt.Sprintf(format, args...)}
}

// NotFound says something does not exist, or not for this member: a
// branch-scoped member is not told what other branches hold.
func NotFound(format string, args ...any) error { return kind(ErrNotFound, format, args...) }

// Forbidden says the member may not do this.
func Forbidden(format string, args ...any) error { return kind(ErrForbidden, format, args...) }

// Conflict says the action clashes with the current state.
func Conflict(format string, args ...any) error { return kind(ErrConflict, format, args...) }

// Unauthenticated says the caller must log in first.
func Unauthenticated(format string, args ...any) error {
	return kind(ErrUnauthenticated, format, args...)
}

// Known reports whether err is one of the domain's kinds, so its message
// may be shown to the person who caused it.
func Known(err error) bool {
	if _, ok := AsField(err); ok {
		return true
	}
	for _, k := range []error{ErrUnauthenticated, ErrForbidden, ErrNotFound, ErrConflict} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}
