package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"piste/fleet/auth"
	"piste/fleet/store"
)

// NewEnrollCode creates an enrollment code for a branch; the CLI and the
// API share it so their checks cannot drift apart.
func NewEnrollCode(ctx context.Context, st *store.Store, branch string, uses int, ttl time.Duration) (string, error) {
	if uses < 1 || uses > 100000 {
		return "", fmt.Errorf("uses must be between 1 and 100000, got %d", uses)
	}
	if ttl <= 0 || ttl > 365*24*time.Hour {
		return "", fmt.Errorf("ttl must be between 1s and 8760h, got %s", ttl)
	}
	if _, err := st.Branch(ctx, branch); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return "", fmt.Errorf("branch %q does not exist (piste-fleet branch add)", branch)
		}
		return "", err
	}
	code := auth.NewEnrollCode()
	if err := st.AddEnrollCode(ctx, auth.HashToken(auth.NormalizeCode(code)), branch, uses, time.Now().Add(ttl)); err != nil {
		return "", err
	}
	return code, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
