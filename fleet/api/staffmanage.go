package api

import (
	"net/http"

	"piste/fleet/fault"
	"piste/fleet/httpio"
)

// errMustChangePassword answers every call but the password change of a
// member whose password was reset.
var errMustChangePassword = fault.Forbidden("your password was reset: choose a new one first (POST /api/v1/auth/password, or the page /password)")

// passwordChangeRoute is what a member with a reset password may still do.
func passwordChangeRoute(r *http.Request) bool {
	return (r.Method == http.MethodPost && r.URL.Path == "/api/v1/auth/password") ||
		(r.Method == http.MethodGet && r.URL.Path == "/api/v1/auth/me")
}

type accountRequest struct {
	Name     string   `json:"name"`
	Role     string   `json:"role"`
	Branches []string `json:"branches"`
}

func (a *API) staffAccounts(w http.ResponseWriter, r *http.Request) {
	us, err := a.Staff.Accounts(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list staff", err)
		return
	}
	writeJSON(w, http.StatusOK, us)
}

// createAccount answers with the one-time password, shown this once.
func (a *API) createAccount(w http.ResponseWriter, r *http.Request) {
	var req accountRequest
	if !decode(w, r, &req) {
		return
	}
	temp, err := a.Staff.CreateAccount(r.Context(), member(r), req.Name, req.Role, req.Branches)
	if err != nil {
		a.fail(w, "add staff", err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"name": req.Name, "one_time_password": temp})
}

func (a *API) setAccess(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Role     string   `json:"role"`
		Branches []string `json:"branches"`
	}
	if !decode(w, r, &req) {
		return
	}
	if err := a.Staff.SetAccess(r.Context(), member(r), r.PathValue("name"), req.Role, req.Branches); err != nil {
		a.fail(w, "change staff", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) disableAccount(w http.ResponseWriter, r *http.Request) {
	a.setDisabled(w, r, true)
}

func (a *API) enableAccount(w http.ResponseWriter, r *http.Request) {
	a.setDisabled(w, r, false)
}

func (a *API) setDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	if err := a.Staff.SetDisabled(r.Context(), member(r), r.PathValue("name"), disabled); err != nil {
		a.fail(w, "disable staff", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request) {
	temp, err := a.Staff.ResetPassword(r.Context(), member(r), r.PathValue("name"))
	if err != nil {
		a.fail(w, "reset password", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"name": r.PathValue("name"), "one_time_password": temp})
}

// changePassword sets the caller's own password.
func (a *API) changePassword(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if !decode(w, r, &req) {
		return
	}
	if err := a.Staff.ChangePassword(r.Context(), member(r), httpio.Token(r), req.Current, req.New); err != nil {
		a.fail(w, "change password", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
