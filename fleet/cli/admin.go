package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"syscall"
	"time"

	"piste/fleet/server"
)

// errNoServer means no server runs on the data directory: the command
// works on the directory itself, and nobody needs to hear of the change.
var errNoServer = errors.New("no server running on the data directory")

// serverError is a running server's refusal of a request.
type serverError struct {
	Status int
	Msg    string `json:"error"`
	Field  string `json:"field"`
}

func (e *serverError) Error() string { return e.Msg }

// callServer sends one JSON API request to the server running on dir,
// through its admin socket, and decodes the answer into out (if not nil).
// It returns errNoServer when no server listens there.
func callServer(dir, method, path, contentType string, body []byte, out any) error {
	if err := required("data", dir); err != nil {
		return err
	}
	sock := server.AdminSocketPath(dir)
	conn, err := net.DialTimeout("unix", sock, 5*time.Second)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ECONNREFUSED):
		return errNoServer
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("reach the running server at %s: permission denied: run this as the user that runs piste-fleet serve, or as root", sock)
	case err != nil:
		return fmt.Errorf("reach the running server at %s: %w", sock, err)
	}
	used := false
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		DialContext: func(context.Context, string, string) (net.Conn, error) {
			if used {
				return nil, errors.New("admin socket: one request per connection")
			}
			used = true
			return conn, nil
		},
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequest(method, "http://piste-fleet"+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		// The server closes the connection at once on a peer it refuses.
		return fmt.Errorf("the running server at %s did not answer (%v): run this as the user that runs piste-fleet serve, or as root", sock, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read the running server's answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &serverError{Status: resp.StatusCode}
		if json.Unmarshal(data, e) != nil || e.Msg == "" {
			e.Msg = fmt.Sprintf("the running server answered %s", resp.Status)
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("the running server's answer: %w", err)
		}
	}
	return nil
}

// callServerJSON is callServer with a JSON body.
func callServerJSON(dir, method, path string, body, out any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return err
	}
	return callServer(dir, method, path, "application/json", data, out)
}

// badRequest reports whether the running server refused the request's
// content, which the command line reports as a usage error.
func badRequest(err error) bool {
	var se *serverError
	return errors.As(err, &se) && se.Status == http.StatusBadRequest
}
