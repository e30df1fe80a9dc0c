package help

import (
	"encoding/csv"
	"io"
	"strconv"
)

// ExportRow is a Row as open data: counts from 1 to SuppressBelow-1 are
// left out (null in JSON, empty in CSV), and so are the times of a row
// with fewer than SuppressBelow waits or handlings, since each could
// single out a visitor. It holds no note, no terminal, no volunteer.
type ExportRow struct {
	Branch    string `json:"branch"`
	Day       string `json:"day"`
	Topic     string `json:"topic"`
	Language  string `json:"language"`
	Requests  *int   `json:"requests"`
	Helped    *int   `json:"helped"`
	Answered  *int   `json:"answered"`
	Solved    *int   `json:"solved"`
	Partly    *int   `json:"partly"`
	Referred  *int   `json:"referred"`
	NotSolved *int   `json:"not_solved"`
	WaitP50   *int   `json:"wait_p50_seconds"`
	WaitP90   *int   `json:"wait_p90_seconds"`
	Handling  *int   `json:"handling_p50_seconds"`
}

// Export is a period's anonymous figures.
type Export struct {
	From            string      `json:"from"`
	To              string      `json:"to"`
	SuppressedBelow int         `json:"suppressed_below"`
	Rows            []ExportRow `json:"rows"`
	Duty            []DutyDay   `json:"volunteer_duty"`
	BranchesGiving  int         `json:"branches_giving_support"`
	NewTopics       []string    `json:"new_topics"`
}

// suppress leaves out a count that could single someone out.
func suppress(n int) *int {
	if n > 0 && n < SuppressBelow {
		return nil
	}
	return &n
}

// timeOf shows a time only when enough people's times went into it.
func timeOf(secs, samples int) *int {
	if samples < SuppressBelow {
		return nil
	}
	return &secs
}

// Anonymous turns statistics into open data.
func Anonymous(st Stats) Export {
	e := Export{From: st.From, To: st.To, SuppressedBelow: SuppressBelow, Rows: []ExportRow{}, Duty: st.Duty,
		BranchesGiving: st.Totals.Branches, NewTopics: st.Totals.NewTopics}
	for _, r := range st.Rows {
		e.Rows = append(e.Rows, ExportRow{Branch: r.Branch, Day: r.Day, Topic: r.Topic, Language: r.Language,
			Requests: suppress(r.Requests), Helped: suppress(r.Helped), Answered: suppress(r.Answered),
			Solved: suppress(r.Outcomes["solved"]), Partly: suppress(r.Outcomes["partly"]),
			Referred: suppress(r.Outcomes["referred"]), NotSolved: suppress(r.Outcomes["not_solved"]),
			WaitP50: timeOf(r.WaitP50, len(r.waits)), WaitP90: timeOf(r.WaitP90, len(r.waits)),
			Handling: timeOf(r.Handling, len(r.handling))})
	}
	return e
}

// CSVHeader is the first line of the CSV export.
var CSVHeader = []string{"branch", "day", "topic", "language", "requests", "helped", "answered", "solved",
	"partly", "referred", "not_solved", "wait_p50_seconds", "wait_p90_seconds", "handling_p50_seconds"}

// WriteCSV writes the rows as CSV with a header line.
func (e Export) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	cell := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	for _, r := range e.Rows {
		rec := []string{r.Branch, r.Day, r.Topic, r.Language, cell(r.Requests), cell(r.Helped), cell(r.Answered),
			cell(r.Solved), cell(r.Partly), cell(r.Referred), cell(r.NotSolved), cell(r.WaitP50), cell(r.WaitP90),
			cell(r.Handling)}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
