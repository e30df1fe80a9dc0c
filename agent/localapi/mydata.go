package localapi

import (
	"context"
	"net/http"

	"piste/fleet/protocol"
)

// MyData is what the library keeps about the visitor's computer use, as
// the kiosk shows it: their remembered settings and today's sessions.
type MyData = protocol.MyData

// MyDataController is what an agent that keeps remembered settings
// implements besides Controller; the local API serves its calls:
//
//	GET    /v1/mydata           -> MyData
//	POST   /v1/mydata/remember  -> MyData  (the visitor's current choices)
//	POST   /v1/mydata/forget    -> MyData  (deletes the remembered settings)
//
// They need a running library-card session; otherwise a 409 says so.
type MyDataController interface {
	MyData(ctx context.Context) (MyData, error)
	RememberSettings(ctx context.Context) (MyData, error)
	ForgetMyData(ctx context.Context) (MyData, error)
}

// CodeNoCardSession is the API error of a MyData call without a library
// card session.
const CodeNoCardSession = "no_card_session"

// ErrNoCardSession is the answer of a MyData call outside a card session.
var ErrNoCardSession = &APIError{StatusCode: http.StatusConflict, Code: CodeNoCardSession,
	Message: "remembered settings need a library card session; log in with a library card first"}

// myDataRoutes serves MyDataController's calls when c implements it.
func myDataRoutes(c Controller) map[string]route {
	m, ok := c.(MyDataController)
	if !ok {
		return nil
	}
	serve := func(call func(context.Context) (MyData, error)) func(Controller, http.ResponseWriter, *http.Request) {
		return func(_ Controller, w http.ResponseWriter, r *http.Request) {
			d, err := call(r.Context())
			if err != nil {
				writeCallError(w, r, err)
				return
			}
			writeJSON(w, http.StatusOK, d)
		}
	}
	return map[string]route{
		"/v1/mydata":          {http.MethodGet, serve(m.MyData)},
		"/v1/mydata/remember": {http.MethodPost, serve(m.RememberSettings)},
		"/v1/mydata/forget":   {http.MethodPost, serve(m.ForgetMyData)},
	}
}

// MyData returns what the library keeps about this visitor.
func (c *Client) MyData(ctx context.Context) (MyData, error) {
	var d MyData
	err := c.call(ctx, http.MethodGet, "/v1/mydata", nil, &d)
	return d, err
}

// RememberSettings asks the fleet to keep the visitor's current choices
// for their card.
func (c *Client) RememberSettings(ctx context.Context) (MyData, error) {
	var d MyData
	err := c.call(ctx, http.MethodPost, "/v1/mydata/remember", struct{}{}, &d)
	return d, err
}

// ForgetMyData deletes the remembered settings.
func (c *Client) ForgetMyData(ctx context.Context) (MyData, error) {
	var d MyData
	err := c.call(ctx, http.MethodPost, "/v1/mydata/forget", struct{}{}, &d)
	return d, err
}
