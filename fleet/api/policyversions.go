package api

import (
	"mime"
	"net/http"

	"piste/fleet/httpio"
)

func (a *API) policyVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := a.Policies.Versions(r.Context(), member(r), r.PathValue("scope"))
	if err != nil {
		a.fail(w, "list policy versions", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(vs))
}

func (a *API) rollbackPolicy(w http.ResponseWriter, r *http.Request) {
	if _, err := a.Policies.Scope(r.Context(), member(r), r.PathValue("scope")); err != nil {
		a.fail(w, "check policy scope", err)
		return
	}
	var req struct {
		Version int `json:"version"`
	}
	if !decode(w, r, &req) {
		return
	}
	v, err := a.Policies.Rollback(r.Context(), member(r), r.PathValue("scope"), req.Version)
	if err != nil {
		a.fail(w, "roll back policy", err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// previewPolicy answers what PUT would do with a body: the diff and every
// problem with its line, storing nothing.
func (a *API) previewPolicy(w http.ResponseWriter, r *http.Request) {
	if _, err := a.Policies.Scope(r.Context(), member(r), r.PathValue("scope")); err != nil {
		a.fail(w, "check policy scope", err)
		return
	}
	body, err := policyBody(w, r)
	if err != nil {
		a.fail(w, "read policy", err)
		return
	}
	p, err := a.Policies.Preview(r.Context(), member(r), r.PathValue("scope"), body)
	if err != nil {
		a.fail(w, "preview policy", err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// policyBody reads a layer's YAML: the body itself, or, sent as JSON (as
// the fleet's pages must), the "yaml" field of {"yaml": "..."}.
func policyBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
		var req struct {
			YAML string `json:"yaml"`
		}
		if err := httpio.Decode(w, r, &req); err != nil {
			return nil, err
		}
		return []byte(req.YAML), nil
	}
	return httpio.ReadBody(w, r, "policy")
}

func (a *API) effectivePolicy(w http.ResponseWriter, r *http.Request) {
	e, err := a.Policies.Effective(r.Context(), member(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, "read effective policy", err)
		return
	}
	writeJSON(w, http.StatusOK, e)
}
