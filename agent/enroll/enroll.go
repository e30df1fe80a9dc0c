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
	"runtime"
	"strings"
	"time"

	"piste/agent/link"
	"piste/agent/state"
)

// Request is what the installer or admin gives.
type Request struct {
	Server      string
	Code        string
	Fingerprint string
	Name        string
	Kind        string
	StateDir    string
	Version     string
	Force       bool // replace an existing enrollment
}

type enrollBody struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	Kind         string `json:"kind"`
	Hostname     string `json:"hostname"`
	OS           string `json:"os"`
	AgentVersion string `json:"agent_version"`
}

type enrollReply struct {
	TerminalID string `json:"terminal_id"`
	Name       string `json:"name"`
	Branch     string `json:"branch"`
	Token      string `json:"token"`
	Error      string `json:"error"`
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
	body, _ := json.Marshal(enrollBody{Code: strings.TrimSpace(req.Code), Name: req.Name, Kind: req.Kind,
		Hostname: host, OS: runtime.GOOS + "/" + runtime.GOARCH, AgentVersion: req.Version})
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(u.String(), "/")+"/api/v1/enroll", bytes.NewReader(body))
	if err != nil {
		return state.Config{}, err
	}
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := link.HTTPClient(pin).Do(hreq)
	if err != nil {
		return state.Config{}, fmt.Errorf("reach fleet at %s: %w", u, err)
	}
	defer resp.Body.Close()
	var reply enrollReply
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err := json.Unmarshal(raw, &reply); err != nil {
		return state.Config{}, fmt.Errorf("fleet answered %s with something that is not Piste JSON: is %s a Piste fleet?", resp.Status, u)
	}
	if resp.StatusCode != http.StatusCreated {
		return state.Config{}, fmt.Errorf("fleet refused enrollment: %s", reply.Error)
	}
	kind := req.Kind
	if kind == "" {
		kind = "pc"
	}
	cfg := state.Config{Server: u.String(), Fingerprint: pin, TerminalID: reply.TerminalID, Name: reply.Name,
		Branch: reply.Branch, Kind: kind, EnrolledAt: time.Now().UTC()}
	if err := state.Save(req.StateDir, cfg, reply.Token); err != nil {
		return state.Config{}, err
	}
	return cfg, nil
}
