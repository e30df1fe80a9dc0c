package api

import (
	"net/http"
	"strconv"
)

func (a *API) wipes(w http.ResponseWriter, r *http.Request) {
	limit, ok := listLimit(w, r)
	if !ok {
		return
	}
	list, err := a.Terminals.WipeReceipts(r.Context(), member(r), r.PathValue("id"), limit)
	if err != nil {
		a.fail(w, "list wipe receipts", err)
		return
	}
	writeJSON(w, http.StatusOK, nonNil(list))
}

// listLimit reads a list's ?limit= (1 to 1000, default 50); a bad value
// is answered with the field named.
func listLimit(w http.ResponseWriter, r *http.Request) (int, bool) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return 50, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		writeFieldError(w, "limit", "limit must be a whole number from 1 to 1000, got %q", s)
		return 0, false
	}
	return n, true
}
