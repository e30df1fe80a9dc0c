package web

import (
	"net/http"
	"strconv"
	"time"

	"piste/fleet/guestpasses"
	"piste/fleet/httpio"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// GuestPassForm is the guest-pass page: the form, and a batch once made.
type GuestPassForm struct {
	Branches []store.Branch
	Branch   string
	Count    int
	Minutes  int
	Days     int
	Batch    *guestpasses.Batch
}

func (p *Pages) guestPassForm(w http.ResponseWriter, r *http.Request, u staff.Member) {
	branches, err := p.Staff.Branches(r.Context(), u)
	if err != nil {
		p.internal(w, "list branches", err)
		return
	}
	f := GuestPassForm{Branches: branches, Count: 10, Minutes: 60, Days: 30}
	p.render(w, r, http.StatusOK, "guestpasses", view{Title: "Guest passes", User: u, Data: f})
}

// guestPassBatch makes a batch from the posted form and shows it as cards
// to print and cut out. The form posts without script; another site
// cannot post it: the session cookie is SameSite=Strict, and
// httpio.SameOrigin refuses a cookie write that is not same-origin.
func (p *Pages) guestPassBatch(w http.ResponseWriter, r *http.Request, u staff.Member) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	branches, err := p.Staff.Branches(r.Context(), u)
	if err != nil {
		p.internal(w, "list branches", err)
		return
	}
	f := GuestPassForm{Branches: branches, Branch: r.PostFormValue("branch")}
	f.Count, _ = strconv.Atoi(r.PostFormValue("count"))
	f.Minutes, _ = strconv.Atoi(r.PostFormValue("minutes"))
	f.Days, _ = strconv.Atoi(r.PostFormValue("days"))
	v := view{Title: "Guest passes", User: u, Data: &f}
	if f.Days < 1 || f.Days > 365 {
		v.Error = "Valid for: give 1 to 365 days."
		p.render(w, r, http.StatusBadRequest, "guestpasses", v)
		return
	}
	until := time.Now().Add(time.Duration(f.Days) * 24 * time.Hour)
	batch, err := p.GuestPasses.Issue(r.Context(), u, guestpasses.Request{Branch: f.Branch, Count: f.Count, Minutes: f.Minutes, ValidUntil: until})
	if err != nil && httpio.Status(err) == http.StatusInternalServerError {
		p.internal(w, "make guest passes", err)
		return
	}
	if err != nil {
		v.Error = "The passes were not made: " + err.Error() + "."
		p.render(w, r, http.StatusBadRequest, "guestpasses", v)
		return
	}
	f.Batch = &batch
	p.render(w, r, http.StatusOK, "guestpasses", v)
}
