package web

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"piste/fleet/audit"
	"piste/fleet/fault"
	"piste/fleet/httpio"
	"piste/fleet/measures"
	"piste/fleet/policies"
	"piste/fleet/power"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// Console are the services of the admin console's pages: policy editing,
// staff, the audit log, the programme's measures and power.
type Console struct {
	Policies *policies.Service
	Audit    *audit.Log
	Power    *power.Service
	Measures *measures.Service
}

func init() {
	pageNames = append(pageNames, "policies", "effective", "staff", "audit", "measures", "password", "power", "refused")
}

func (p *Pages) registerConsole(mux *http.ServeMux) {
	mux.Handle("GET /policies", p.admin(p.policyEditor))
	mux.Handle("GET /policies/effective", p.admin(p.effectivePolicy))
	mux.Handle("GET /staff", p.admin(p.staffPage))
	mux.Handle("GET /audit", p.admin(p.auditPage))
	mux.Handle("GET /measures", p.admin(p.measuresPage))
	mux.HandleFunc("GET /password", p.passwordPage)
	mux.Handle("GET /power", p.admin(p.powerPage))
}

// consoleFail shows a domain refusal on the page, or a 500.
func (p *Pages) consoleFail(w http.ResponseWriter, r *http.Request, u staff.Member, what string, err error) {
	status := httpio.Status(err)
	if status == http.StatusInternalServerError {
		p.internal(w, what, err)
		return
	}
	if status == http.StatusNotFound {
		p.render(w, r, status, "notfound", view{Title: "Not found", User: u, Data: r.URL.Path})
		return
	}
	p.render(w, r, status, "refused", view{Title: "console.refused.title", User: u, Error: err.Error()})
}

type scopeOption struct {
	Scope, Label string
	Current      bool
}

type policyEditorView struct {
	Scope    string
	Scopes   []scopeOption
	YAML     string
	Versions []store.PolicyVersion
}

// policyEditor shows a scope's layer to edit, its diff preview and its
// version history; policies.js talks to the API.
func (p *Pages) policyEditor(w http.ResponseWriter, r *http.Request, u staff.Member) {
	branches, err := p.Staff.Branches(r.Context(), u)
	if err != nil {
		p.internal(w, "list branches", err)
		return
	}
	scope := r.URL.Query().Get("scope")
	if scope == "" {
		scope = "fleet"
		if !u.FleetWide() && len(branches) > 0 {
			scope = "branch:" + branches[0].ID
		}
	}
	v := policyEditorView{Scope: scope}
	if u.FleetWide() {
		v.Scopes = append(v.Scopes, scopeOption{Scope: "fleet", Label: "fleet"})
	}
	for _, b := range branches {
		v.Scopes = append(v.Scopes, scopeOption{Scope: "branch:" + b.ID, Label: b.Name})
	}
	if !slices.ContainsFunc(v.Scopes, func(o scopeOption) bool { return o.Scope == scope }) {
		v.Scopes = append(v.Scopes, scopeOption{Scope: scope, Label: scope})
	}
	for i := range v.Scopes {
		v.Scopes[i].Current = v.Scopes[i].Scope == scope
	}
	layer, err := p.Policies.Get(r.Context(), u, scope)
	switch {
	case errors.Is(err, fault.ErrNotFound):
	case err != nil:
		p.consoleFail(w, r, u, "read policy", err)
		return
	}
	v.YAML = layer.YAML
	if v.Versions, err = p.Policies.Versions(r.Context(), u, scope); err != nil {
		p.consoleFail(w, r, u, "read policy versions", err)
		return
	}
	p.render(w, r, http.StatusOK, "policies", view{Title: "console.policy.title", User: u, Script: "policies.js", Now: time.Now(), Data: v})
}

func (p *Pages) effectivePolicy(w http.ResponseWriter, r *http.Request, u staff.Member) {
	e, err := p.Policies.Effective(r.Context(), u, r.URL.Query().Get("terminal"))
	if err != nil {
		p.consoleFail(w, r, u, "read effective policy", err)
		return
	}
	p.render(w, r, http.StatusOK, "effective", view{Title: "console.effective.title", User: u, Data: e})
}

type branchCheck struct {
	ID, Name string
	Checked  bool
}

type accountRow struct {
	store.User
	Checks []branchCheck
}

type staffView struct {
	Accounts []accountRow
	Branches []store.Branch
	Roles    []string
}

func (p *Pages) staffPage(w http.ResponseWriter, r *http.Request, u staff.Member) {
	accounts, err := p.Staff.Accounts(r.Context(), u)
	if err != nil {
		p.consoleFail(w, r, u, "list staff", err)
		return
	}
	branches, err := p.Staff.Branches(r.Context(), u)
	if err != nil {
		p.internal(w, "list branches", err)
		return
	}
	v := staffView{Branches: branches, Roles: []string{staff.RoleAdmin, staff.RoleVolunteer, staff.RoleEditor}}
	for _, a := range accounts {
		row := accountRow{User: a}
		for _, b := range branches {
			row.Checks = append(row.Checks, branchCheck{ID: b.ID, Name: b.Name, Checked: slices.Contains(a.Branches, b.ID)})
		}
		v.Accounts = append(v.Accounts, row)
	}
	p.render(w, r, http.StatusOK, "staff", view{Title: "console.staff.title", User: u, Script: "staff.js", Data: v})
}

type auditView struct {
	Actor, Action, Target, Since, Until string
	Entries                             []store.AuditEntry
}

// auditPage lists the audit log with filters sent as a GET form.
func (p *Pages) auditPage(w http.ResponseWriter, r *http.Request, u staff.Member) {
	q := r.URL.Query()
	v := auditView{Actor: q.Get("actor"), Action: q.Get("action"), Target: q.Get("target"), Since: q.Get("since"), Until: q.Get("until")}
	f, err := audit.ParseFilter(q)
	if err == nil {
		v.Entries, err = p.Audit.Search(r.Context(), u, f)
	}
	if err != nil && httpio.Status(err) == http.StatusInternalServerError {
		p.internal(w, "read audit log", err)
		return
	}
	errText := ""
	if err != nil {
		errText = err.Error()
	}
	p.render(w, r, http.StatusOK, "audit", view{Title: "console.audit.title", User: u, Error: errText, Data: v})
}

type measuresView struct {
	Month string
	Rows  []measures.Row
	Saved []store.PowerSaved
}

func (p *Pages) measuresPage(w http.ResponseWriter, r *http.Request, u staff.Member) {
	month := r.URL.Query().Get("month")
	from, to, err := p.Measures.Month(month)
	if err != nil {
		p.consoleFail(w, r, u, "read month", err)
		return
	}
	v := measuresView{Month: from.Format("2006-01")}
	if v.Rows, err = p.Measures.ForStaff(r.Context(), u, v.Month); err != nil {
		p.consoleFail(w, r, u, "read measures", err)
		return
	}
	if v.Saved, err = p.Power.Saved(r.Context(), u, from, to); err != nil {
		p.consoleFail(w, r, u, "read hours saved", err)
		return
	}
	p.render(w, r, http.StatusOK, "measures", view{Title: "console.measures.title", User: u, Data: v})
}

// passwordPage lets any logged-in member choose a new password; after a
// reset it is the only page they reach.
func (p *Pages) passwordPage(w http.ResponseWriter, r *http.Request) {
	u, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	p.render(w, r, http.StatusOK, "password", view{Title: "console.password.title", User: u, Script: "password.js"})
}

type powerView struct {
	Schedules []power.Schedule
	Saved     map[string]store.PowerSaved
	Month     string
}

// powerPage shows each branch's power schedule, its exceptional hours to
// come, this month's hours saved, and lets an admin set a date's hours or
// wake a branch now (power.js).
func (p *Pages) powerPage(w http.ResponseWriter, r *http.Request, u staff.Member) {
	schedules, err := p.Power.Schedules(r.Context(), u)
	if err != nil {
		p.consoleFail(w, r, u, "read power schedules", err)
		return
	}
	from, to, err := p.Measures.Month("")
	if err != nil {
		p.internal(w, "this month", err)
		return
	}
	saved, err := p.Power.Saved(r.Context(), u, from, to)
	if err != nil {
		p.consoleFail(w, r, u, "read hours saved", err)
		return
	}
	v := powerView{Schedules: schedules, Saved: map[string]store.PowerSaved{}, Month: from.Format("2006-01")}
	for _, s := range saved {
		v.Saved[s.Branch] = s
	}
	p.render(w, r, http.StatusOK, "power", view{Title: "console.power.title", User: u, Script: "power.js", Data: v})
}
