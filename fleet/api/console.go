package api

import "net/http"

// registerConsole adds the admin console's routes: policy versions and
// previews, power schedules, staff management and the programme's measures.
func (a *API) registerConsole(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/policies/{scope}/versions", a.role(RoleAdmin, a.policyVersions))
	mux.Handle("POST /api/v1/policies/{scope}/rollback", a.role(RoleAdmin, a.rollbackPolicy))
	mux.Handle("POST /api/v1/policies/{scope}/preview", a.role(RoleAdmin, a.previewPolicy))
	mux.Handle("GET /api/v1/terminals/{id}/policy", a.role(RoleAdmin, a.effectivePolicy))
	mux.Handle("POST /api/v1/branches/{id}/wake", a.role(RoleAdmin, a.wakeBranch))
	mux.Handle("GET /api/v1/power/saved", a.role(RoleAdmin, a.powerSaved))
	mux.Handle("GET /api/v1/power/schedules", a.role(RoleAdmin, a.powerSchedules))
	mux.Handle("PUT /api/v1/branches/{id}/hours/{date}", a.role(RoleAdmin, a.setDayHours))
	mux.Handle("GET /api/v1/staff", a.role(RoleAdmin, a.staffAccounts))
	mux.Handle("POST /api/v1/staff", a.role(RoleAdmin, a.createAccount))
	mux.Handle("PUT /api/v1/staff/{name}/access", a.role(RoleAdmin, a.setAccess))
	mux.Handle("POST /api/v1/staff/{name}/disable", a.role(RoleAdmin, a.disableAccount))
	mux.Handle("POST /api/v1/staff/{name}/enable", a.role(RoleAdmin, a.enableAccount))
	mux.Handle("POST /api/v1/staff/{name}/reset-password", a.role(RoleAdmin, a.resetPassword))
	mux.Handle("POST /api/v1/auth/password", a.staff(a.changePassword))
	mux.Handle("GET /api/v1/measures", a.role(RoleAdmin, a.measuresForStaff))
	// Open data: anonymous, for everyone.
	mux.HandleFunc("GET /api/v1/stats/measures.json", a.openMeasuresJSON)
	mux.HandleFunc("GET /api/v1/stats/measures.csv", a.openMeasuresCSV)
}
