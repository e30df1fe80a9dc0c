package api

import (
	"errors"
	"io"
	"net/http"

	"piste/fleet/changes"
	"piste/fleet/visits"
	"piste/policies/policy"
)

// policyScope reads the {scope} path value, refusing scopes the user may
// not change: a branch admin only its branch and its terminals.
func (a *API) policyScope(w http.ResponseWriter, r *http.Request) (policy.Scope, bool) {
	sc, err := policy.ParseScope(r.PathValue("scope"))
	if err != nil {
		writeFieldError(w, "scope", "%v", err)
		return sc, false
	}
	u := UserFrom(r.Context())
	branch := ""
	switch sc.Kind {
	case policy.ScopeBranch:
		branch = sc.ID
	case policy.ScopeTerminal:
		if t, err := a.Store.Terminal(r.Context(), sc.ID); err == nil {
			branch = t.Branch
		}
	}
	if u.Branch != "" && (sc.Kind == policy.ScopeFleet || !canSee(u, branch)) {
		writeError(w, http.StatusForbidden, "your account is limited to branch %s; it may not change scope %s", u.Branch, sc)
		return sc, false
	}
	return sc, true
}

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) {
	sc, ok := a.policyScope(w, r)
	if !ok {
		return
	}
	layers, err := a.Store.PolicyLayersFor(r.Context(), sc.String())
	if err != nil {
		a.internal(w, "read policy", err)
		return
	}
	l, ok := layers[sc.String()]
	if !ok {
		writeError(w, http.StatusNotFound, "no policy layer for scope %s: PUT one, or the defaults apply", sc)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

// putPolicy stores a layer sent as policy YAML (the request body).
func (a *API) putPolicy(w http.ResponseWriter, r *http.Request) {
	sc, ok := a.policyScope(w, r)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, "policy larger than %d bytes", maxBody)
		return
	}
	u := UserFrom(r.Context())
	err = visits.Apply(r.Context(), a.Store, sc, body, u.Name, a.Now())
	if errors.Is(err, visits.ErrStorage) {
		a.internal(w, "store policy", err)
		return
	}
	if err != nil {
		field := "scope"
		if perr := (*policy.Error)(nil); errors.As(err, &perr) {
			field = perr.Key
		}
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error(), Field: field})
		return
	}
	a.auditf(r, "policy-apply", sc.String(), "")
	a.Changes.Publish(changes.Change{Kind: changes.PolicyChanged, Scope: sc.String()})
	writeJSON(w, http.StatusOK, map[string]string{"scope": sc.String(), "status": "applied"})
}
