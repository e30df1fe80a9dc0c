package update

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"piste/fleet/protocol"
)

// ErrHash means the downloaded bytes are not the ones offered.
var ErrHash = errors.New("downloaded file does not match the offered SHA-256")

// download fetches an offered release into path, resuming a partial file
// there, and checks its size and SHA-256. A file that fails the check is
// removed so the next try starts afresh.
func download(ctx context.Context, client *http.Client, server *url.URL, token string, o protocol.UpdateOffer, path string) error {
	for attempt := 0; ; attempt++ {
		err := fetch(ctx, client, server, token, o, path)
		if err == nil || errors.Is(err, ErrHash) || ctx.Err() != nil || attempt >= 4 {
			if err != nil && !errors.Is(err, context.Canceled) {
				if errors.Is(err, ErrHash) {
					os.Remove(path)
				}
			}
			return err
		}
		// A dropped connection resumes from what arrived.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * time.Second):
		}
	}
}

func fetch(ctx context.Context, client *http.Client, server *url.URL, token string, o protocol.UpdateOffer, path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	have, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if have > o.Size {
		if err := f.Truncate(0); err != nil {
			return err
		}
		have, _ = f.Seek(0, io.SeekStart)
	}
	if have < o.Size {
		u := server.JoinPath(o.Path)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		if have > 0 {
			req.Header.Set("Range", "bytes="+strconv.FormatInt(have, 10)+"-")
			req.Header.Set("If-Range", `"`+o.SHA256+`"`)
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("update: download %s: %w", o.Version, err)
		}
		defer resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusPartialContent:
		case http.StatusOK: // the whole file: start over
			if err := f.Truncate(0); err != nil {
				return err
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			have = 0
		default:
			return fmt.Errorf("update: download %s: the fleet answered %s", o.Version, resp.Status)
		}
		n, err := io.Copy(f, io.LimitReader(resp.Body, o.Size-have+1))
		if err != nil {
			return fmt.Errorf("update: download %s: %w", o.Version, err)
		}
		if have+n > o.Size {
			f.Truncate(0)
			return fmt.Errorf("%w: more than the offered %d bytes", ErrHash, o.Size)
		}
		if have+n < o.Size {
			return fmt.Errorf("update: download %s: cut off at %d of %d bytes", o.Version, have+n, o.Size)
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	if hex.EncodeToString(h.Sum(nil)) != o.SHA256 {
		return ErrHash
	}
	return nil
}

func ioCopyDiscard(r io.Reader) (int64, error) { return io.Copy(io.Discard, r) }
