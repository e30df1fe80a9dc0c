// Package enroll joins a terminal to the fleet with a branch's enrollment
// code and keeps the identity it is given.
package enroll

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"piste/agent/health"
	"runtime"
	"strings"
	"time"

	"piste/agent/link"
	"piste/agent/state"
	"piste/fleet/protocol"
)

// Request is what the installer or admin gives.
type Request struct {
	Server      string
	Code        string
	Fingerprint string
	Name        string
	Kind        protocol.TerminalKind // empty for a PC
	StateDir    string
	Version     string
	Force       bool // replace an existing enrollment
}

// errorReply is the fleet's answer when it refuses.
type errorReply struct {
	Error string `json:"error"`
}

// Enroll asks the fleet for an identity and saves it in the state dir.
func Enroll(ctx context.Context, req Request) (state.Config, error) {
	if req.StateDir == "" {
		return state.Config{}, fmt.Errorf("--state is required")
	}
	if state.Enrolled(req.StateDir) && !req.Force {
		return state.Config{}, fmt.Errorf("%s already holds an enrollment; add --force to replace it", req.StateDir)
	}
	u, err := link.CheckServerURL(req.Server)
	if err != nil {
		return state.Config{}, err
	}
	pin := ""
	if req.Fingerprint != "" {
		if pin, err = link.ParseFingerprint(req.Fingerprint); err != nil {
			return state.Config{}, err
		}
	}
	host, _ := os.Hostname()
	kind := req.Kind
	if kind == "" {
		kind = protocol.KindPC
	}
	body, _ := json.Marshal(protocol.EnrollRequest{Code: strings.TrimSpace(req.Code), Name: req.Name, Kind: kind,
		Hostname: host, OS: runtime.GOOS + "/" + runtime.GOARCH, AgentVersion: req.Version, MAC: health.MAC()})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(u.String(), "/")+protocol.PathEnroll, bytes.NewReader(body))
	if err != nil {
		return state.Config{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := link.HTTPClient(pin).Do(hreq)
	if err != nil {
		return state.Config{}, fmt.Errorf("reach fleet at %s: %w", u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusCreated {
		var refused errorReply
		if json.Unmarshal(raw, &refused) != nil || refused.Error == "" {
			return state.Config{}, fmt.Errorf("fleet answered %s with something that is not Piste JSON: is %s a Piste fleet?", resp.Status, u)
		}
		return state.Config{}, fmt.Errorf("fleet refused enrollment: %s", refused.Error)
	}
	var reply protocol.EnrollResponse
	if err := json.Unmarshal(raw, &reply); err != nil {
		return state.Config{}, fmt.Errorf("fleet answered %s with something that is not Piste JSON: is %s a Piste fleet?", resp.Status, u)
	}
	cfg := state.Config{Server: u.String(), Fingerprint: pin, TerminalID: reply.TerminalID, Name: reply.Name,
		Branch: reply.Branch, Kind: kind, EnrolledAt: time.Now().UTC()}
	if err := state.Save(req.StateDir, cfg, reply.Token); err != nil {
		return state.Config{}, err
	}
	return cfg, nil
}
