package policies

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"piste/fleet/fault"
	"piste/fleet/staff"
	"piste/fleet/store"
	"piste/policies/policy"
)

// Versions lists the versions of a scope's layer, newest first: who
// applied each, when, and what it changed.
func (s *Service) Versions(ctx context.Context, m staff.Member, scope string) ([]store.PolicyVersion, error) {
	sc, err := s.Scope(ctx, m, scope)
	if err != nil {
		return nil, err
	}
	vs, err := s.Store.PolicyVersions(ctx, sc.String())
	if err != nil {
		return nil, fmt.Errorf("policies: versions of %s: %w", sc, err)
	}
	return vs, nil
}

// Rollback applies an earlier version of a scope's layer again, as the
// scope's newest version, checked as any new layer is: a version that the
// layers around it have since made invalid is refused.
func (s *Service) Rollback(ctx context.Context, m staff.Member, scope string, version int) (store.PolicyVersion, error) {
	sc, err := s.Scope(ctx, m, scope)
	if err != nil {
		return store.PolicyVersion{}, err
	}
	if version < 1 {
		return store.PolicyVersion{}, fault.Field("version", "version must be a version number of %s (1 or more), got %d", sc, version)
	}
	old, err := s.Store.PolicyVersion(ctx, sc.String(), version)
	if errors.Is(err, store.ErrNotFound) {
		return old, fault.NotFound("scope %s has no version %d: GET /api/v1/policies/%s/versions lists them", sc, version, sc)
	}
	if err != nil {
		return old, fmt.Errorf("policies: read %s version %d: %w", sc, version, err)
	}
	if err := s.check(ctx, sc, []byte(old.YAML)); err != nil {
		return old, err
	}
	v, err := s.store(ctx, m, sc, []byte(old.YAML), version)
	if err != nil {
		return old, err
	}
	return s.Store.PolicyVersion(ctx, sc.String(), v)
}

// Problem is one thing wrong with a layer, at its line where known.
type Problem struct {
	Line    int    `json:"line,omitempty"`
	Key     string `json:"key,omitempty"`
	Message string `json:"message"`
}

// Preview is what applying a layer would do: the change key by key from
// the stored layer, and every problem the validator finds.
type Preview struct {
	Scope    string    `json:"scope"`
	Diff     string    `json:"diff"`
	Problems []Problem `json:"problems"`
}

// Preview checks a layer as Put would, without storing it.
func (s *Service) Preview(ctx context.Context, m staff.Member, scope string, yamlText []byte) (Preview, error) {
	sc, err := s.Scope(ctx, m, scope)
	if err != nil {
		return Preview{}, err
	}
	before, err := s.Store.PolicyLayersFor(ctx, sc.String())
	if err != nil {
		return Preview{}, fmt.Errorf("policies: read %s: %w", sc, err)
	}
	p := Preview{Scope: sc.String(), Diff: Diff(before[sc.String()].YAML, string(yamlText)), Problems: []Problem{}}
	layer, err := policy.Parse(yamlText)
	if err == nil {
		layers, lerr := s.parsedLayers(ctx)
		if lerr != nil {
			return p, lerr
		}
		layers[sc.String()] = layer
		err = s.checkMerged(ctx, sc, layers)
	}
	p.Problems = problems(err)
	return p, nil
}

// problems lists each policy error with its line and key.
func problems(err error) []Problem {
	out := []Problem{}
	if err == nil {
		return out
	}
	var each []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		each = j.Unwrap()
	} else {
		each = []error{err}
	}
	for _, e := range each {
		var pe *policy.Error
		var fe *fault.FieldError
		switch {
		case errors.As(e, &pe):
			out = append(out, Problem{Line: pe.Line, Key: pe.Key, Message: pe.Msg})
		case errors.As(e, &fe):
			// A merged policy's problems come joined in one reason, a line each.
			for _, msg := range strings.Split(fe.Reason, "\n") {
				out = append(out, Problem{Key: fe.Field, Message: msg})
			}
		default:
			out = append(out, Problem{Message: e.Error()})
		}
	}
	return out
}
