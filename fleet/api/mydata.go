package api

import (
	"net/http"

	"piste/fleet/protocol"
)

// registerMyData adds the agent's calls for a visitor's remembered
// settings (protocol.PathAgentMyData). Only the terminal of a running card
// session reaches that card's data.
func (a *API) registerMyData(mux *http.ServeMux) {
	mux.HandleFunc("GET "+protocol.PathAgentMyData, a.agentMyData)
	mux.HandleFunc("PUT "+protocol.PathAgentMyData, a.agentMyData)
	mux.HandleFunc("DELETE "+protocol.PathAgentMyData, a.agentMyData)
}

func (a *API) agentMyData(w http.ResponseWriter, r *http.Request) {
	t, ok := a.agentTerminal(w, r)
	if !ok {
		return
	}
	if a.MyData == nil {
		writeError(w, http.StatusNotFound, "remembered settings are not enabled on this fleet")
		return
	}
	id := r.PathValue("id")
	var (
		ans protocol.MyData
		err error
	)
	switch r.Method {
	case http.MethodGet:
		ans, err = a.MyData.Show(r.Context(), t.ID, id)
	case http.MethodDelete:
		ans, err = a.MyData.Forget(r.Context(), t.ID, id)
	default:
		var set protocol.VisitorSettings
		if !decodeAgent(w, r, &set) {
			return
		}
		ans, err = a.MyData.Remember(r.Context(), t.ID, id, set)
	}
	if err != nil {
		a.fail(w, "remembered settings", err)
		return
	}
	writeJSON(w, http.StatusOK, ans)
}
