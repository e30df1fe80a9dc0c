package api

import (
	"bytes"
	"net/http"

	"piste/fleet/measures"
)

func (a *API) measuresForStaff(w http.ResponseWriter, r *http.Request) {
	rows, err := a.Measures.ForStaff(r.Context(), member(r), r.URL.Query().Get("month"))
	if err != nil {
		a.fail(w, "read measures", err)
		return
	}
	writeJSON(w, http.StatusOK, rows)
}

// openMeasuresJSON is the anonymous open data of ?month=YYYY-MM.
func (a *API) openMeasuresJSON(w http.ResponseWriter, r *http.Request) {
	rows, err := a.Measures.OpenData(r.Context(), r.URL.Query().Get("month"))
	if err != nil {
		a.fail(w, "read measures", err)
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, map[string]any{"suppressed_below": measures.SuppressBelow, "rows": rows})
}

// openMeasuresCSV is the same open data as CSV.
func (a *API) openMeasuresCSV(w http.ResponseWriter, r *http.Request) {
	rows, err := a.Measures.OpenData(r.Context(), r.URL.Query().Get("month"))
	if err != nil {
		a.fail(w, "read measures", err)
		return
	}
	var buf bytes.Buffer
	if err := measures.WriteCSV(&buf, rows); err != nil {
		a.fail(w, "write measures", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="measures.csv"`)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Write(buf.Bytes())
}
