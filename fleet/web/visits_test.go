package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"piste/fleet/api"
	"piste/fleet/protocol"
	"piste/fleet/store"
)

func (f *fleet) wipe(t *testing.T, term store.Terminal, seq uint64, r protocol.WipeReceipt) {
	t.Helper()
	data, err := json.Marshal(r)
	require.NoError(t, err)
	_, err = f.store.Ingest(context.Background(), []store.Incoming{{TerminalID: term.ID, ReceivedAt: time.Now(),
		Event: protocol.Event{Epoch: "e1", Seq: seq, Kind: protocol.EventWipe, At: time.Now(), Data: data}}})
	require.NoError(t, err)
}

func TestFailedWipeShowsBannerAndReceipt(t *testing.T) {
	f := newFleet(t)
	term := f.addTerminal(t, "kallio", "kallio-pc-01", 33)
	c := f.login(t, "ada", api.RoleAdmin, "")
	_, body := get(t, c, f.srv.URL+"/terminals/"+term.ID)
	assert.Contains(t, body, "No wipe reported yet")
	_, body = get(t, c, f.srv.URL+"/")
	assert.NotContains(t, shown(body), "open alert")

	now := time.Now().UTC()
	f.wipe(t, term, 2, protocol.WipeReceipt{SessionID: "s-1", Trigger: "timeout", Strategy: "file", StartedAt: now.Add(-time.Second),
		EndedAt: now, Duration: time.Second, Verified: false,
		Failures: []protocol.WipeFailure{{Step: "verify", Path: "/home/visitor/<evil>", Error: "file left behind"}}})
	_, body = get(t, c, f.srv.URL+"/")
	assert.Contains(t, body, "1 open alert")
	assert.Contains(t, body, `href="/terminals/`+term.ID+`"`)
	assert.Contains(t, body, "file left behind")
	assertNoInlineCode(t, body)
	_, body = get(t, c, f.srv.URL+"/terminals/"+term.ID)
	assert.Contains(t, body, "Not verified")
	assert.Contains(t, body, "/home/visitor/&lt;evil&gt;", "paths are escaped")
	assertNoInlineCode(t, body)

	f.wipe(t, term, 3, protocol.WipeReceipt{SessionID: "s-2", Trigger: "remote", Strategy: "tmpfs", EndedAt: now.Add(time.Second), Verified: true})
	_, body = get(t, c, f.srv.URL+"/")
	assert.NotContains(t, shown(body), "open alert")
	_, body = get(t, c, f.srv.URL+"/terminals/"+term.ID)
	assert.Contains(t, body, "Verified clean")
	assert.Contains(t, body, "tmpfs")
}

func TestGuestPassPagePrintsABatch(t *testing.T) {
	f := newFleet(t)
	c := f.login(t, "ada", api.RoleAdmin, "kallio")
	res, body := get(t, c, f.srv.URL+"/guest-passes")
	require.Equal(t, 200, res.StatusCode)
	assert.Contains(t, body, `<option value="kallio"`)
	assert.NotContains(t, body, `<option value="toolo"`, "a branch admin sees only their branch")
	assertNoInlineCode(t, body)

	post := func(form url.Values) (int, string) {
		res, err := c.PostForm(f.srv.URL+"/guest-passes", form)
		require.NoError(t, err)
		defer res.Body.Close()
		raw, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(raw)
	}
	status, body := post(url.Values{"branch": {"kallio"}, "count": {"4"}, "minutes": {"45"}, "days": {"7"}})
	require.Equal(t, 200, status, body)
	codes := regexp.MustCompile(`<code class="pass-code">([A-Z0-9-]+)</code>`).FindAllStringSubmatch(body, -1)
	assert.Len(t, codes, 4)
	assert.Contains(t, body, "45 min")
	assertNoInlineCode(t, body)

	status, body = post(url.Values{"branch": {"toolo"}, "count": {"1"}, "minutes": {"45"}, "days": {"7"}})
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "may not make guest passes")
	status, body = post(url.Values{"branch": {"kallio"}, "count": {"0"}, "minutes": {"45"}, "days": {"7"}})
	assert.Equal(t, 400, status)
	assert.Contains(t, body, "count must be between")
}
