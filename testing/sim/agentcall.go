package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"piste/agent/link"
)

// clients holds one HTTP client per Sim for the terminals' agent calls.
var clients sync.Map // *Sim -> *http.Client

func (s *Sim) client() (*http.Client, error) {
	if c, ok := clients.Load(s); ok {
		return c.(*http.Client), nil
	}
	pin := ""
	if s.cfg.Fingerprint != "" {
		var err error
		if pin, err = link.ParseFingerprint(s.cfg.Fingerprint); err != nil {
			return nil, err
		}
	}
	c, _ := clients.LoadOrStore(s, link.HTTPClient(pin))
	return c.(*http.Client), nil
}

// Call makes one of the agent's HTTP calls to the fleet as this terminal
// (its token as bearer), as a real agent asks for help or a login: body
// is sent as JSON and a 2xx answer decoded into out (when not nil).
func (t *Terminal) Call(ctx context.Context, method, path string, body, out any) error {
	c, err := t.sim.client()
	if err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(t.sim.cfg.Server, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+t.token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sim: %s %s as %s: %s: %s", method, path, t.Name, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}
