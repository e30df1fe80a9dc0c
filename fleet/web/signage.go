package web

import (
	"errors"
	"net/http"
	"os"
	"slices"
	"time"

	"piste/fleet/httpio"
	"piste/fleet/protocol"
	"piste/fleet/signage"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// registerSignage adds the content editors' pages.
func (p *Pages) registerSignage(mux *http.ServeMux) {
	mux.Handle("GET /signage", p.editor(p.signagePage))
	mux.Handle("POST /signage/content/new", p.editor(p.signageUpload))
	mux.Handle("GET /signage/file/{id}", p.editor(p.signageFile))
	mux.Handle("GET /signage/preview/{id}", p.editor(p.signagePreview))
}

// editor admits content editors and admins.
func (p *Pages) editor(next func(http.ResponseWriter, *http.Request, staff.Member)) http.Handler {
	return p.staffOnly(next, staff.RoleEditor, staff.RoleAdmin)
}

// SignagePage is what the editor's page lists.
type SignagePage struct {
	Content   []signage.Content
	Playlists []signage.Playlist
	Schedules []signage.Schedule
	Notices   []signage.Notice
	Plays     []signage.PlayStat
	Branches  []store.Branch
	Palette   []string
	Weekdays  []int
	Names     map[string]string // content id → title, for the lists
}

func (p *Pages) signagePage(w http.ResponseWriter, r *http.Request, u staff.Member) {
	p.renderSignage(w, r, u, http.StatusOK, "")
}

func (p *Pages) renderSignage(w http.ResponseWriter, r *http.Request, u staff.Member, status int, errText string) {
	ctx := r.Context()
	var d SignagePage
	var err error
	load := func(fn func() error) {
		if err == nil {
			err = fn()
		}
	}
	load(func() (e error) { d.Content, e = p.Signage.ListContent(ctx, u); return })
	load(func() (e error) { d.Playlists, e = p.Signage.ListPlaylists(ctx, u); return })
	load(func() (e error) { d.Schedules, e = p.Signage.ListSchedules(ctx, u); return })
	load(func() (e error) { d.Notices, e = p.Signage.ActiveNotices(ctx, u); return })
	load(func() (e error) {
		d.Plays, e = p.Signage.Plays(ctx, u, time.Now().AddDate(0, 0, -7), time.Now())
		return
	})
	load(func() (e error) { d.Branches, e = p.Staff.Branches(ctx, u); return })
	if err != nil {
		p.internal(w, "load signage", err)
		return
	}
	d.Palette, d.Weekdays = signage.Palette, []int{1, 2, 3, 4, 5, 6, 7}
	d.Names = map[string]string{}
	for _, c := range d.Content {
		d.Names[c.ID] = c.Title
	}
	slices.Reverse(d.Schedules)
	p.render(w, r, status, "signage", view{Title: "signage.title", User: u, Script: "signage.js", Error: errText, Data: d})
}

// signageUpload takes the page's upload form; it works without script.
func (p *Pages) signageUpload(w http.ResponseWriter, r *http.Request, u staff.Member) {
	file, _, err := r.FormFile("file")
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		err = signage.ErrTooLarge
	case err == nil:
		defer file.Close()
		_, err = p.Signage.Upload(r.Context(), u, r.FormValue("title"), file)
	}
	if err != nil {
		if httpio.Status(err) == http.StatusInternalServerError && !errors.Is(err, signage.ErrTooLarge) {
			p.internal(w, "upload content", err)
			return
		}
		p.renderSignage(w, r, u, http.StatusBadRequest, err.Error())
		return
	}
	http.Redirect(w, r, "/signage", http.StatusSeeOther)
}

// signageFile serves an image to the editor's page and preview.
func (p *Pages) signageFile(w http.ResponseWriter, r *http.Request, u staff.Member) {
	path, err := p.Signage.FileFor(r.Context(), u, r.PathValue("id"))
	if err != nil {
		p.notFound(w, r)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		p.notFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		p.internal(w, "open content", err)
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r, "image", st.ModTime(), f)
}

// Preview is a playlist as the preview page plays it.
type Preview struct {
	Name   string             `json:"name"`
	Aspect string             `json:"aspect"`
	Items  []PreviewItem      `json:"items"`
	Live   *protocol.LiveData `json:"live,omitempty"`
}

// PreviewItem is one slide of a preview.
type PreviewItem struct {
	ID      string              `json:"id"`
	Kind    string              `json:"kind"`
	Seconds int                 `json:"seconds"`
	Image   string              `json:"image,omitempty"`
	Text    *protocol.TextSlide `json:"text,omitempty"`
	Live    string              `json:"live,omitempty"`
	Title   string              `json:"title"`
}

// Aspects are the screen shapes a preview offers.
var Aspects = []string{"16:9", "9:16", "16:10", "4:3"}

func (p *Pages) signagePreview(w http.ResponseWriter, r *http.Request, u staff.Member) {
	lists, err := p.Signage.ListPlaylists(r.Context(), u)
	if err != nil {
		p.internal(w, "load playlists", err)
		return
	}
	i := slices.IndexFunc(lists, func(pl signage.Playlist) bool { return pl.ID == r.PathValue("id") })
	if i < 0 {
		p.notFound(w, r)
		return
	}
	content, err := p.Signage.ListContent(r.Context(), u)
	if err != nil {
		p.internal(w, "load content", err)
		return
	}
	aspect := r.URL.Query().Get("aspect")
	if !slices.Contains(Aspects, aspect) {
		aspect = Aspects[0]
	}
	pv := Preview{Name: lists[i].Name, Aspect: aspect}
	for _, e := range lists[i].Items {
		j := slices.IndexFunc(content, func(c signage.Content) bool { return c.ID == e.ContentID })
		if j < 0 {
			continue
		}
		c := content[j]
		it := PreviewItem{ID: c.ID, Kind: c.Kind, Seconds: e.Seconds, Text: c.Text, Live: c.Live, Title: c.Title}
		if c.Kind == protocol.ContentImage {
			it.Image = "/signage/file/" + c.ID
		}
		if c.Text != nil && c.Text.Image != "" {
			for _, img := range content {
				if img.SHA256 == c.Text.Image {
					it.Image = "/signage/file/" + img.ID
				}
			}
		}
		pv.Items = append(pv.Items, it)
	}
	p.render(w, r, http.StatusOK, "signagepreview", view{Title: "signage.preview.title", User: u, Script: "preview.js",
		Data: map[string]any{"Preview": pv, "Aspects": Aspects, "ID": lists[i].ID}})
}
