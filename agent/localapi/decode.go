package localapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxBodyBytes is the largest request body the local API reads.
const MaxBodyBytes = 16 << 10

// decodeRequest reads one JSON object from body into v. An empty body is
// accepted only when allowEmpty is set (calls without parameters). It
// returns an *APIError that names what is wrong.
func decodeRequest(body io.Reader, v any, allowEmpty bool) *APIError {
	data, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
	if err != nil {
		return badRequest(CodeBadRequest, "read body: %v", err)
	}
	if len(data) > MaxBodyBytes {
		return &APIError{StatusCode: http.StatusRequestEntityTooLarge, Code: CodeBodyTooLarge,
			Message: fmt.Sprintf("body is larger than %d bytes", MaxBodyBytes)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		if allowEmpty {
			return nil
		}
		return badRequest(CodeBadRequest, "body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest(CodeBadRequest, "body has data after the JSON object; send exactly one object")
	}
	return nil
}

func decodeError(err error) *APIError {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return badRequest(CodeBadRequest, "body is not valid JSON at byte %d: %v", syntax.Offset, err)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest(CodeBadRequest, "body must be a JSON object, got %s", typ.Value)
		}
		return badRequest(CodeBadRequest, "field %q must be %s, got %s", typ.Field, typ.Type, typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest(CodeBadRequest, "body ends in the middle of the JSON object")
	}
	// encoding/json has no typed error for unknown fields; its message names the field.
	if bytes.HasPrefix([]byte(err.Error()), []byte("json: unknown field")) {
		return badRequest(CodeUnknownField, "%s; see the localapi request types", err)
	}
	return badRequest(CodeBadRequest, "decode body: %v", err)
}

func badRequest(code, format string, args ...any) *APIError {
	return &APIError{StatusCode: http.StatusBadRequest, Code: code, Message: fmt.Sprintf(format, args...)}
}
