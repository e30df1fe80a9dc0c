package session

import (
	"context"
	"net/url"
	"strings"

	"piste/fleet/protocol"
)

// AskHelp asks the fleet to open a help request for this terminal.
func (f *HTTPFleet) AskHelp(ctx context.Context, a protocol.HelpAsk) (protocol.HelpView, error) {
	var v protocol.HelpView
	err := f.post(ctx, protocol.PathAgentHelp, a, &v)
	return v, err
}

// CancelHelp withdraws this terminal's help request.
func (f *HTTPFleet) CancelHelp(ctx context.Context, id string) (protocol.HelpView, error) {
	var v protocol.HelpView
	err := f.post(ctx, helpPath(protocol.PathAgentHelpCancel, id), struct{}{}, &v)
	return v, err
}

// SayHelp sends the visitor's chat message on this terminal's request.
func (f *HTTPFleet) SayHelp(ctx context.Context, id, text string) (protocol.HelpView, error) {
	var v protocol.HelpView
	err := f.post(ctx, helpPath(protocol.PathAgentHelpMessages, id), protocol.HelpSay{Text: text}, &v)
	return v, err
}

func helpPath(pattern, id string) string {
	return strings.Replace(pattern, "{id}", url.PathEscape(id), 1)
}
