package api

import (
	"net/http"
)

func (a *API) getPolicy(w http.ResponseWriter, r *http.Request) {
	l, err := a.Policies.Get(r.Context(), member(r), r.PathValue("scope"))
	if err != nil {
		a.fail(w, "read policy", err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

// putPolicy stores a layer sent as policy YAML (the request body, or its
// "yaml" field when sent as JSON).
func (a *API) putPolicy(w http.ResponseWriter, r *http.Request) {
	// The scope is checked first: a stranger's body is not read.
	if _, err := a.Policies.Scope(r.Context(), member(r), r.PathValue("scope")); err != nil {
		a.fail(w, "check policy scope", err)
		return
	}
	body, err := policyBody(w, r)
	if err != nil {
		a.fail(w, "read policy", err)
		return
	}
	sc, err := a.Policies.Put(r.Context(), member(r), r.PathValue("scope"), body)
	if err != nil {
		a.fail(w, "store policy", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"scope": sc.String(), "status": "applied"})
}
