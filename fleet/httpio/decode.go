package httpio

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"piste/fleet/fault"
)

// MaxBody bounds every JSON request body.
const MaxBody = 64 << 10

// Decode reads a JSON body strictly into v: a wrong media type, an
// oversized body, unknown fields, a wrong type and trailing data are
// refused with an error naming the problem and, where there is one, the
// field. Status maps the error to 415, 413 or 400.
func Decode(w http.ResponseWriter, r *http.Request, v any) error { return decode(w, r, v, true) }

// DecodeAgent reads an agent's JSON body like Decode but ignores fields it
// does not know: a newer agent may add them within the protocol version.
func DecodeAgent(w http.ResponseWriter, r *http.Request, v any) error { return decode(w, r, v, false) }

func decode(w http.ResponseWriter, r *http.Request, v any, strict bool) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &statusError{http.StatusUnsupportedMediaType, "body must be application/json, got " + ct}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBody))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return fault.Field("", "body must hold one JSON object")
	}
	return nil
}

// ReadBody reads a non-JSON body (such as policy YAML) within MaxBody.
func ReadBody(w http.ResponseWriter, r *http.Request, what string) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil && !errors.As(err, new(*http.MaxBytesError)) {
		return nil, decodeError(err)
	}
	if err != nil {
		return nil, &statusError{http.StatusRequestEntityTooLarge, fmt.Sprintf("%s larger than %d bytes", what, MaxBody)}
	}
	return body, nil
}

func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var netErr net.Error
	switch {
	case errors.As(err, &netErr) && netErr.Timeout():
		return &statusError{http.StatusRequestTimeout, "the body came too slowly; send the whole request at once"}
	case errors.As(err, &tooBig):
		return &statusError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxBody)}
	case errors.Is(err, io.EOF):
		return fault.Field("", "body is empty: send a JSON object")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return fault.Field("", "body is not valid JSON: %v", err)
	case errors.As(err, &typ):
		return fault.Field(typ.Field, "field %q must be %s", typ.Field, typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fault.Field(field, "unknown field %q", field)
	}
	return fault.Field("", "bad body: %v", err)
}
