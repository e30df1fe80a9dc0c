package signage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"piste/fleet/protocol"
)

// MaxItemBytes bounds a download whose size the manifest does not give.
const MaxItemBytes = 32 << 20

// ErrOverBudget means a manifest's content does not fit the disk budget.
var ErrOverBudget = errors.New("signage: the manifest's content exceeds the disk budget")

// Cache holds content files by SHA-256. A file is in the cache only once
// it is complete and verified; a download in progress is a ".part" file
// beside it, which is never played.
type Cache struct {
	Dir    string
	Budget int64
}

func (c *Cache) path(sum string) string { return filepath.Join(c.Dir, sum) }
func (c *Cache) part(sum string) string { return filepath.Join(c.Dir, sum+".part") }

// Path returns the file of a digest if it is cached.
func (c *Cache) Path(sum string) (string, bool) {
	if !protocol.ValidDigest(sum) {
		return "", false
	}
	p := c.path(sum)
	_, err := os.Stat(p)
	return p, err == nil
}

// Verify hashes a cached file and removes it when its content does not
// match its name (a damaged disk, a hand edit): it is fetched again.
func (c *Cache) Verify(sum string) bool {
	f, err := os.Open(c.path(sum))
	if err != nil {
		return false
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err == nil && hex.EncodeToString(h.Sum(nil)) == sum {
		return true
	}
	os.Remove(c.path(sum))
	return false
}

// Used returns the bytes the cache holds, parts included.
func (c *Cache) Used() int64 {
	var n int64
	entries, _ := os.ReadDir(c.Dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
	}
	return n
}

// Prune removes every file not named in keep (by digest), parts of kept
// digests excepted so their downloads resume.
func (c *Cache) Prune(keep map[string]bool) {
	entries, _ := os.ReadDir(c.Dir)
	for _, e := range entries {
		name := e.Name()
		sum := strings.TrimSuffix(name, ".part")
		if !keep[sum] {
			os.Remove(filepath.Join(c.Dir, name))
		}
	}
}

// need returns the content a manifest needs downloaded: its images and
// the images of its text slides, with their sizes (0 when unknown).
func need(m protocol.Manifest) map[string]int64 {
	out := map[string]int64{}
	for _, it := range m.Items {
		if it.Kind == protocol.ContentImage {
			out[it.SHA256] = it.Size
		}
	}
	for _, it := range m.Items {
		if it.Text != nil && protocol.ValidDigest(it.Text.Image) {
			if _, ok := out[it.Text.Image]; !ok {
				out[it.Text.Image] = 0
			}
		}
	}
	return out
}

// Fetcher downloads content from the fleet.
type Fetcher struct {
	Server *url.URL
	Token  string
	Client *http.Client
	// Sent counts the bytes received, for benchmarks.
	Received func(n int64)
}

// Fetch brings one file into the cache, resuming a part already there,
// and verifies it before it counts as cached.
func (c *Cache) Fetch(ctx context.Context, f *Fetcher, sum string, size int64) error {
	if _, ok := c.Path(sum); ok {
		return nil
	}
	limit := int64(MaxItemBytes)
	if size > 0 {
		limit = size
	}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return fmt.Errorf("signage: cache dir: %w", err)
	}
	part := c.part(sum)
	out, err := os.OpenFile(part, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("signage: cache %s: %w", sum[:12], err)
	}
	defer out.Close()
	have, err := out.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if have > limit {
		out.Truncate(0)
		have, _ = out.Seek(0, io.SeekStart)
	}
	u := *f.Server
	u.Path = protocol.PathAgentContent + sum
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+f.Token)
	if have > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
	}
	resp, err := f.Client.Do(req)
	if err != nil {
		return fmt.Errorf("signage: fetch %s: %w", sum[:12], err)
	}
	defer resp.Body.Close()
	h := sha256.New()
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if err := hashPrefix(part, have, h); err != nil {
			return err
		}
	case http.StatusOK:
		if err := out.Truncate(0); err != nil {
			return err
		}
		if _, err := out.Seek(0, io.SeekStart); err != nil {
			return err
		}
		have = 0
	case http.StatusRequestedRangeNotSatisfiable:
		out.Truncate(0)
		return fmt.Errorf("signage: fetch %s: the partial download was longer than the file; starting over", sum[:12])
	default:
		return fmt.Errorf("signage: fetch %s: fleet answered %s", sum[:12], resp.Status)
	}
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(resp.Body, limit-have+1))
	if f.Received != nil {
		f.Received(n)
	}
	if err != nil {
		return fmt.Errorf("signage: fetch %s: %w (will resume)", sum[:12], err)
	}
	if have+n > limit {
		out.Truncate(0)
		return fmt.Errorf("signage: fetch %s: larger than the %d bytes expected", sum[:12], limit)
	}
	if err := out.Sync(); err != nil {
		return err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		out.Truncate(0)
		return fmt.Errorf("signage: fetch %s: content does not match its SHA-256 (got %s); fetching again", sum[:12], got[:12])
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Rename(part, c.path(sum))
}

func hashPrefix(path string, n int64, h hash.Hash) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.CopyN(h, f, n)
	return err
}
