package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

	"piste/fleet/protocol"
	"piste/fleet/signage"
)

// registerSignage adds the info-screen routes: the editors' and the
// screens' content download.
func (a *API) registerSignage(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/content", a.staff(a.newContent))
	mux.Handle("GET /api/v1/content", a.staff(a.listContent))
	mux.Handle("POST /api/v1/playlists", a.staff(a.newPlaylist))
	mux.Handle("GET /api/v1/playlists", a.staff(a.listPlaylists))
	mux.Handle("POST /api/v1/schedules", a.staff(a.newSchedule))
	mux.Handle("GET /api/v1/schedules", a.staff(a.listSchedules))
	mux.Handle("POST /api/v1/schedules/{id}/publish", a.staff(a.publishSchedule))
	mux.Handle("POST /api/v1/notices", a.staff(a.newNotice))
	mux.Handle("DELETE /api/v1/notices/{id}", a.staff(a.withdrawNotice))
	mux.Handle("PUT /api/v1/terminals/{id}/tags", a.staff(a.setTags))
	mux.Handle("GET /api/v1/stats/plays", a.staff(a.plays))
	mux.HandleFunc("GET "+protocol.PathAgentContent+"{sha256}", a.agentContent)
	mux.HandleFunc("POST "+protocol.PathAgentScreenshot, a.agentScreenshot)
	mux.Handle("GET /api/v1/terminals/{id}/screenshot", a.role(RoleAdmin, a.screenshot))
}

// agentScreenshot takes the PNG a screen sends for a screenshot command.
func (a *API) agentScreenshot(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, protocol.MaxScreenshotBytes+1))
	if err != nil || len(data) > protocol.MaxScreenshotBytes {
		writeFieldError(w, "body", "a screenshot is a PNG of at most %d bytes", protocol.MaxScreenshotBytes)
		return
	}
	if err := a.Signage.SaveScreenshot(t.ID, data); err != nil {
		a.fail(w, "save screenshot", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// screenshot serves a screen's latest screenshot to an admin.
func (a *API) screenshot(w http.ResponseWriter, r *http.Request) {
	path, err := a.Signage.ScreenshotPath(r.Context(), member(r), r.PathValue("id"))
	if err != nil {
		a.fail(w, "find screenshot", err)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		a.internal(w, "open screenshot", err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		a.internal(w, "open screenshot", err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// newContent takes a multipart image upload (field "file", optional
// "title") or a JSON text or live slide.
func (a *API) newContent(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		var req signage.SlideRequest
		if !decode(w, r, &req) {
			return
		}
		c, err := a.Signage.MakeSlide(r.Context(), member(r), req)
		if err != nil {
			a.fail(w, "make slide", err)
			return
		}
		writeJSON(w, http.StatusCreated, c)
		return
	}
	if err := member(r).Need(RoleEditor, RoleAdmin); err != nil {
		a.fail(w, "check role", err)
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		writeFieldError(w, "file", "send the image as multipart/form-data with a part named file")
		return
	}
	title := ""
	for {
		part, err := mr.NextPart()
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeFieldError(w, "file", "%s", signage.ErrTooLarge.Error())
				return
			}
			writeFieldError(w, "file", "send the image as multipart/form-data with a part named file")
			return
		}
		switch part.FormName() {
		case "title":
			buf := make([]byte, 256)
			n, _ := part.Read(buf)
			title = string(buf[:n])
		case "file":
			c, err := a.Signage.Upload(r.Context(), member(r), title, part)
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeFieldError(w, "file", "%s", signage.ErrTooLarge.Error())
				return
			}
			if err != nil {
				a.fail(w, "upload content", err)
				return
			}
			writeJSON(w, http.StatusCreated, c)
			return
		}
	}
}

func (a *API) listContent(w http.ResponseWriter, r *http.Request) {
	cs, err := a.Signage.ListContent(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list content", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(cs))
}

func (a *API) newPlaylist(w http.ResponseWriter, r *http.Request) {
	var req signage.PlaylistRequest
	if !decode(w, r, &req) {
		return
	}
	p, err := a.Signage.CreatePlaylist(r.Context(), member(r), req)
	if err != nil {
		a.fail(w, "create playlist", err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (a *API) listPlaylists(w http.ResponseWriter, r *http.Request) {
	ps, err := a.Signage.ListPlaylists(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list playlists", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(ps))
}

func (a *API) newSchedule(w http.ResponseWriter, r *http.Request) {
	var req signage.ScheduleRequest
	if !decode(w, r, &req) {
		return
	}
	s, err := a.Signage.CreateSchedule(r.Context(), member(r), req)
	if err != nil {
		a.fail(w, "create schedule", err)
		return
	}
	writeJSON(w, http.StatusCreated, s)
}

func (a *API) listSchedules(w http.ResponseWriter, r *http.Request) {
	ss, err := a.Signage.ListSchedules(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list schedules", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(ss))
}

func (a *API) publishSchedule(w http.ResponseWriter, r *http.Request) {
	if err := a.Signage.Publish(r.Context(), member(r), r.PathValue("id")); err != nil {
		a.fail(w, "publish schedule", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "status": signage.StatusPublished})
}

func (a *API) newNotice(w http.ResponseWriter, r *http.Request) {
	var req signage.NoticeRequest
	if !decode(w, r, &req) {
		return
	}
	n, err := a.Signage.SendNotice(r.Context(), member(r), req)
	if err != nil {
		a.fail(w, "send notice", err)
		return
	}
	writeJSON(w, http.StatusCreated, n)
}

func (a *API) withdrawNotice(w http.ResponseWriter, r *http.Request) {
	if err := a.Signage.WithdrawNotice(r.Context(), member(r), r.PathValue("id")); err != nil {
		a.fail(w, "withdraw notice", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) setTags(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Tags []string `json:"tags"`
	}
	if !decode(w, r, &req) {
		return
	}
	if err := a.Signage.SetTags(r.Context(), member(r), r.PathValue("id"), req.Tags); err != nil {
		a.fail(w, "set tags", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string][]string{"tags": nonNil(req.Tags)})
}

// plays answers play counts per item and screen; from and to are RFC 3339
// times or dates, by default the last 7 days.
func (a *API) plays(w http.ResponseWriter, r *http.Request) {
	now := a.Now()
	from, to := now.AddDate(0, 0, -7), now
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		v := r.URL.Query().Get(f.name)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, v); err != nil {
				writeFieldError(w, f.name, "%s must be an RFC 3339 time or YYYY-MM-DD, got %q", f.name, v)
				return
			}
		}
		*f.dst = t
	}
	stats, err := a.Signage.Plays(r.Context(), member(r), from, to)
	if err != nil {
		a.fail(w, "count plays", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from.UTC(), "to": to.UTC(), "plays": stats})
}

// agentContent serves a content file to a screen, with Range so that a
// broken download resumes where it stopped.
func (a *API) agentContent(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.agentTerminal(w, r); !ok {
		return
	}
	sum := strings.ToLower(r.PathValue("sha256"))
	path, err := a.Signage.ContentPath(sum)
	if err != nil {
		a.fail(w, "find content", err)
		return
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		writeError(w, http.StatusNotFound, "no content %s", sum)
		return
	}
	if err != nil {
		a.internal(w, "open content", err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		a.internal(w, "open content", err)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", `"`+sum+`"`)
	w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	http.ServeContent(w, r, "", st.ModTime(), f)
}
