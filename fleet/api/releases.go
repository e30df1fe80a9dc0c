package api

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/releases"
	"piste/internal/release"
)

// PathReleases is where admins upload releases; the server lets its body
// be as large as a release.
const PathReleases = "/api/v1/releases"

// registerReleases adds the routes of signed releases and rollouts.
func (a *API) registerReleases(mux *http.ServeMux) {
	if a.Releases == nil {
		return
	}
	mux.Handle("POST "+PathReleases, a.role(RoleAdmin, a.addRelease))
	mux.Handle("GET "+PathReleases, a.role(RoleAdmin, a.listReleases))
	mux.Handle("GET /api/v1/rollouts", a.role(RoleAdmin, a.listRollouts))
	mux.Handle("POST /api/v1/rollouts", a.role(RoleAdmin, a.newRollout))
	mux.Handle("GET /api/v1/rollouts/{id}", a.role(RoleAdmin, a.getRollout))
	mux.Handle("POST /api/v1/rollouts/{id}/{action}", a.role(RoleAdmin, a.steerRollout))
	mux.HandleFunc("GET "+protocol.PathAgentReleases+"{version}/{os}/{arch}", a.agentRelease)
}

// addRelease takes a multipart upload: version, os, arch, signature and
// file. The file is streamed to disk and verified on the way when the
// signature comes before it, else spooled to disk and then verified.
func (a *API) addRelease(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(30 * time.Minute))
	r.Body = http.MaxBytesReader(w, r.Body, protocol.MaxReleaseBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		writeFieldError(w, "file", "send multipart/form-data with the fields version, os, arch, signature and file")
		return
	}
	var up releases.Upload
	var sig []byte
	var spooled *os.File
	defer func() {
		if spooled != nil {
			spooled.Close()
			os.Remove(spooled.Name())
		}
	}()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			writeFieldError(w, "file", "the upload ended early or is not multipart: %v", err)
			return
		}
		name := part.FormName()
		switch name {
		case "version", "os", "arch", "signature":
			limit := int64(release.MaxSignatureBytes)
			b, err := io.ReadAll(io.LimitReader(part, limit+1))
			if err != nil || int64(len(b)) > limit {
				writeFieldError(w, name, "%s is too long or cut off", name)
				return
			}
			switch name {
			case "version":
				up.Version = strings.TrimSpace(string(b))
			case "os":
				up.OS = strings.TrimSpace(string(b))
			case "arch":
				up.Arch = strings.TrimSpace(string(b))
			default:
				sig = b
			}
		case "file":
			if up.Version != "" && up.OS != "" && up.Arch != "" && len(sig) > 0 {
				a.storeRelease(w, r, up, part, sig)
				return
			}
			if spooled, err = spool(a.Releases.Dir, part); err != nil {
				a.fail(w, "receive release", err)
				return
			}
		default:
			writeFieldError(w, name, "unknown field %q: send version, os, arch, signature and file", name)
			return
		}
	}
	if spooled == nil {
		writeFieldError(w, "file", "file is required: the release artifact")
		return
	}
	if len(sig) == 0 {
		writeFieldError(w, "signature", "signature is required: the file's .minisig")
		return
	}
	a.storeRelease(w, r, up, spooled, sig)
}

func (a *API) storeRelease(w http.ResponseWriter, r *http.Request, up releases.Upload, file io.Reader, sig []byte) {
	rel, err := a.Releases.Add(r.Context(), member(r), up, file, sig)
	if err != nil {
		a.fail(w, "add release", err)
		return
	}
	writeJSON(w, http.StatusCreated, rel)
}

// spool writes a part to a temporary file and rewinds it.
func spool(dir string, part *multipart.Part) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, ".spool-*")
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(f, part); err != nil {
		f.Close()
		os.Remove(f.Name())
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, fault.Field("file", "a release may be at most %d MB", protocol.MaxReleaseBytes>>20)
		}
		return nil, err
	}
	_, err = f.Seek(0, io.SeekStart)
	return f, err
}

func (a *API) listReleases(w http.ResponseWriter, r *http.Request) {
	rels, err := a.Releases.List(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list releases", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(rels))
}

func (a *API) listRollouts(w http.ResponseWriter, r *http.Request) {
	rs, err := a.Releases.Rollouts(r.Context(), member(r))
	if err != nil {
		a.fail(w, "list rollouts", err)
		return
	}
	writeJSON(w, http.StatusOK, rs)
}

func (a *API) newRollout(w http.ResponseWriter, r *http.Request) {
	var req releases.NewRollout
	if !decode(w, r, &req) {
		return
	}
	ro, err := a.Releases.Create(r.Context(), member(r), req)
	if err != nil {
		a.fail(w, "start rollout", err)
		return
	}
	v, err := a.Releases.Rollout(r.Context(), member(r), ro.ID)
	if err != nil {
		a.fail(w, "read rollout", err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

func rolloutID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		writeError(w, http.StatusNotFound, "rollout %q not found", r.PathValue("id"))
		return 0, false
	}
	return id, true
}

func (a *API) getRollout(w http.ResponseWriter, r *http.Request) {
	id, ok := rolloutID(w, r)
	if !ok {
		return
	}
	v, err := a.Releases.Rollout(r.Context(), member(r), id)
	if err != nil {
		a.fail(w, "read rollout", err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (a *API) steerRollout(w http.ResponseWriter, r *http.Request) {
	id, ok := rolloutID(w, r)
	if !ok {
		return
	}
	var err error
	switch r.PathValue("action") {
	case "pause":
		err = a.Releases.Pause(r.Context(), member(r), id)
	case "resume":
		err = a.Releases.Resume(r.Context(), member(r), id)
	case "rollback":
		err = a.Releases.Rollback(r.Context(), member(r), id)
	default:
		writeError(w, http.StatusNotFound, "no such rollout action %q: pause, resume or rollback", r.PathValue("action"))
		return
	}
	if err != nil {
		a.fail(w, r.PathValue("action")+" rollout", err)
		return
	}
	a.getRollout(w, r)
}

// agentRelease serves a release file to a terminal, from disk, with Range
// requests for resuming; the ETag is the file's SHA-256.
func (a *API) agentRelease(w http.ResponseWriter, r *http.Request) {
	if _, ok := a.agentTerminal(w, r); !ok {
		return
	}
	f, rel, err := a.Releases.Open(r.Context(), r.PathValue("version"), r.PathValue("os"), r.PathValue("arch"))
	if err != nil {
		a.fail(w, "open release", err)
		return
	}
	defer f.Close()
	// A large file over a slow link outlasts the server's write timeout.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(time.Hour))
	w.Header().Set("ETag", `"`+rel.SHA256+`"`)
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Cache-Control", "private, no-transform")
	http.ServeContent(&countingWriter{ResponseWriter: w, n: &a.Releases.BytesSent}, r, rel.File, rel.AddedAt, f)
}
