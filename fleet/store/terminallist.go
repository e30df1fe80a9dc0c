package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// TerminalQuery selects a page of the terminal list. Every field is
// optional; revoked terminals are never listed.
type TerminalQuery struct {
	// Branches limits the list to these branches; nil means all (a
	// fleet-wide viewer), an empty non-nil slice means none.
	Branches []string
	Branch   string
	Status   string // offline, online, in_session, out_of_service
	Kind     string
	Version  string
	// Text is a substring of the name, id or host name, any case.
	Text string
	// Sort is one of the SortBy* keys; Desc reverses it.
	Sort string
	Desc bool
	// After is the sort key of the last row of the previous page (see
	// ListKey); nil starts at the beginning.
	After []any
	Limit int
}

// The sort orders of the terminal list. Each ends with the id, so the
// order is total and a keyset cursor never skips or repeats a row.
const (
	SortByName     = "name"
	SortByBranch   = "branch"
	SortByStatus   = "status"
	SortByVersion  = "version"
	SortByLastSeen = "last_seen"
)

// sortColumns are the columns of each sort, before the id.
var sortColumns = map[string][]string{
	SortByName:     {"name"},
	SortByBranch:   {"branch", "name"},
	SortByStatus:   {"status", "name"},
	SortByVersion:  {"agent_version", "name"},
	SortByLastSeen: {"last_seen"},
}

// ValidSort reports whether s names a sort order.
func ValidSort(s string) bool { _, ok := sortColumns[s]; return ok }

// ListKey is a terminal's sort key in a sort order, as TerminalQuery.After
// takes it: the values of the sort's columns, then the id.
func ListKey(sort string, t Terminal) []any {
	var key []any
	for _, c := range sortColumns[sort] {
		switch c {
		case "name":
			key = append(key, t.Name)
		case "branch":
			key = append(key, t.Branch)
		case "status":
			key = append(key, t.ListStatus)
		case "agent_version":
			key = append(key, t.AgentVersion)
		case "last_seen":
			key = append(key, ms(t.LastSeen))
		}
	}
	return append(key, t.ID)
}

// KeyLen is how many values a sort order's key has.
func KeyLen(sort string) int { return len(sortColumns[sort]) + 1 }

// where builds the filter part of a list query; withStatus false leaves
// out the status, for counts by status.
func (q TerminalQuery) where(withStatus bool) (string, []any) {
	conds := []string{"revoked_at IS NULL"}
	var args []any
	if q.Branches != nil {
		if len(q.Branches) == 0 {
			conds = append(conds, "0")
		} else {
			conds = append(conds, "branch IN ("+strings.TrimSuffix(strings.Repeat("?,", len(q.Branches)), ",")+")")
			for _, b := range q.Branches {
				args = append(args, b)
			}
		}
	}
	add := func(cond string, v any) {
		conds = append(conds, cond)
		args = append(args, v)
	}
	if q.Branch != "" {
		add("branch = ?", q.Branch)
	}
	if withStatus && q.Status != "" {
		add("status = ?", q.Status)
	}
	if q.Kind != "" {
		add("kind = ?", q.Kind)
	}
	if q.Version != "" {
		add("agent_version = ?", q.Version)
	}
	if q.Text != "" {
		like := "%" + escapeLike(q.Text) + "%"
		conds = append(conds, `(name LIKE ? ESCAPE '\' OR id LIKE ? ESCAPE '\' OR hostname LIKE ? ESCAPE '\')`)
		args = append(args, like, like, like)
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// TerminalPage returns up to q.Limit terminals of the list after q.After.
func (s *Store) TerminalPage(ctx context.Context, q TerminalQuery) ([]Terminal, error) {
	query, args, err := q.pageSQL()
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Terminal
	for rows.Next() {
		t, err := scanListTerminal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// pageSQL is the query of a page: the filter, then the keyset condition
// on the sort's columns and the id, in the sort's order.
func (q TerminalQuery) pageSQL() (string, []any, error) {
	if q.Sort == "" {
		q.Sort = SortByName
	}
	cols, ok := sortColumns[q.Sort]
	if !ok {
		return "", nil, fmt.Errorf("store: unknown sort %q", q.Sort)
	}
	cols = append(cols[:len(cols):len(cols)], "id")
	where, args := q.where(true)
	cmp, dir := ">", ""
	if q.Desc {
		cmp, dir = "<", " DESC"
	}
	if q.After != nil {
		if len(q.After) != len(cols) {
			return "", nil, fmt.Errorf("store: a %s cursor has %d values, not %d", q.Sort, len(q.After), len(cols))
		}
		where += " AND (" + strings.Join(cols, ", ") + ") " + cmp + " (" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
		args = append(args, q.After...)
	}
	order := make([]string, len(cols))
	for i, c := range cols {
		order[i] = c + dir
	}
	return terminalListSelect + where + " ORDER BY " + strings.Join(order, ", ") + " LIMIT ?", append(args, q.Limit), nil
}

// terminalListSelect is terminalSelect with the derived list columns.
var terminalListSelect = strings.Replace(terminalSelect, " FROM terminals", ", status, linked != 0, health_recv FROM terminals", 1)

func scanListTerminal(sc interface{ Scan(...any) error }) (Terminal, error) {
	var t Terminal
	var enrolled, seen, healthAt, recv int64
	err := sc.Scan(&t.ID, &t.Name, &t.Branch, &t.Kind, &t.TokenHash, &t.Revoked,
		&enrolled, &t.Hostname, &t.OS, &t.AgentVersion, &t.State, &t.StateReason, &seen,
		&healthAt, &t.Health.CPUPercent, &t.Health.MemUsedPercent, &t.Health.DiskUsedPercent,
		&t.Health.UptimeSeconds, &t.Health.AgentRSSBytes, &t.MAC, &t.ListStatus, &t.Linked, &recv)
	t.EnrolledAt, t.LastSeen, t.Health.At, t.HealthReceived = fromMS(enrolled), fromMS(seen), fromMS(healthAt), fromMS(recv)
	return t, err
}

// CountByStatus counts the terminals q selects, ignoring its status, by
// status.
func (s *Store) CountByStatus(ctx context.Context, q TerminalQuery) (map[string]int, error) {
	where, args := q.where(false)
	rows, err := s.r.QueryContext(ctx, "SELECT status, COUNT(*) FROM terminals"+where+" GROUP BY status", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// TerminalIDs returns the ids of every terminal q selects (its limit and
// cursor ignored), by id: the target of a bulk action by filter.
func (s *Store) TerminalIDs(ctx context.Context, q TerminalQuery) ([]string, error) {
	where, args := q.where(true)
	rows, err := s.r.QueryContext(ctx, "SELECT id FROM terminals"+where+" ORDER BY id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ListTerminal loads one terminal with its list columns.
func (s *Store) ListTerminal(ctx context.Context, id string) (Terminal, error) {
	t, err := scanListTerminal(s.r.QueryRowContext(ctx, terminalListSelect+` WHERE id = ?`, id))
	if err != nil {
		return t, notFound(err, "terminal "+id)
	}
	return t, nil
}

// AgentVersions returns the distinct agent versions of unrevoked
// terminals with how many run each.
func (s *Store) AgentVersions(ctx context.Context) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT agent_version, COUNT(*) FROM terminals
		WHERE revoked_at IS NULL AND agent_version != '' GROUP BY agent_version`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var v string
		var n int
		if err := rows.Scan(&v, &n); err != nil {
			return nil, err
		}
		out[v] = n
	}
	return out, rows.Err()
}

// SetLinked records whether terminals' links are up. The hub calls it as
// links come and go, and for every live link at each presence flush; it
// is what the list's status filter reads. Like UpdatePresence it writes
// at most presenceChunk rows a transaction, so a flush of the whole fleet
// never holds the one writer long enough to delay a login or a help
// request.
func (s *Store) SetLinked(ctx context.Context, linked bool, ids ...string) error {
	v := 0
	if linked {
		v = 1
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), presenceChunk)]
		ids = ids[len(chunk):]
		err := s.tx(ctx, func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, `UPDATE terminals SET linked = ? WHERE id = ? AND linked != ?`)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, id := range chunk {
				if _, err := st.ExecContext(ctx, v, id, v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// UnlinkAll marks every terminal's link down: at start-up no link is up.
func (s *Store) UnlinkAll(ctx context.Context) error {
	_, err := s.w.ExecContext(ctx, `UPDATE terminals SET linked = 0 WHERE linked != 0`)
	return err
}

// SeedTerminals inserts enrolled terminals in one transaction, with the
// state, version and health they carry: for benchmarks and demos of a
// large fleet, where enrolling one by one would take minutes.
func (s *Store) SeedTerminals(ctx context.Context, ts []Terminal) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO terminals (id, name, branch, kind, token_hash, enrolled_at,
			hostname, os, agent_version, state, last_seen, health_at, cpu, mem, disk, uptime, health_recv)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, t := range ts {
			var token any
			if t.TokenHash != "" {
				token = t.TokenHash
			}
			if t.State == "" {
				t.State = "idle"
			}
			h := t.Health
			if _, err := st.ExecContext(ctx, t.ID, t.Name, t.Branch, t.Kind, token, ms(t.EnrolledAt), t.Hostname, t.OS,
				t.AgentVersion, t.State, ms(t.LastSeen), ms(h.At), h.CPUPercent, h.MemUsedPercent, h.DiskUsedPercent,
				h.UptimeSeconds, ms(t.HealthReceived)); err != nil {
				return fmt.Errorf("seed terminal %s: %w", t.ID, err)
			}
		}
		return nil
	})
}

// ExplainTerminalPage returns SQLite's plan for a page query, for tests
// that hold the list to its indexes.
func (s *Store) ExplainTerminalPage(ctx context.Context, q TerminalQuery) (string, error) {
	query, args, err := q.pageSQL()
	if err != nil {
		return "", err
	}
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n"), rows.Err()
}
