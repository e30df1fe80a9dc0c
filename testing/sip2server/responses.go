package sip2server

import (
	"fmt"
	"strings"

	"piste/fleet/sip2"
)

// unknownStatus is the patron status of an unknown patron: charge,
// renewal, recall and hold privileges denied.
const unknownStatus = "YYYY          "

// supportedMessages is the reference server's BX.
const supportedMessages = "YYYYYYYYYNYNYYYY"

func (s *session) date() string { return sip2.FormatDate(s.srv.now()) }

func (s *session) acsStatus() sip2.Message {
	return sip2.Message{
		ID:    "98",
		Fixed: "YNNYNN" + "600" + "003" + s.date() + "2.00",
		Fields: []sip2.Field{
			{Code: "AO", Value: s.srv.cfg.Institution},
			{Code: "BX", Value: supportedMessages},
		},
	}
}

// patronStatus answers 23. The AO is echoed; CQ is always sent for a
// known patron and never for an unknown one.
func (s *session) patronStatus(req sip2.Message) sip2.Message {
	id, _ := req.Field("AA")
	ao, _ := req.Field("AO")
	p, known := s.srv.patron(id)
	if !known {
		return sip2.Message{ID: "24", Fixed: unknownStatus + "000" + s.date(), Fields: []sip2.Field{
			{Code: "AO", Value: ao}, {Code: "AA", Value: id}, {Code: "AE"}, {Code: "BL", Value: "N"},
		}}
	}
	status, _ := p.status() // checked when the patron was added
	fields := []sip2.Field{
		{Code: "AO", Value: ao}, {Code: "AA", Value: id}, {Code: "AE", Value: p.Name},
		{Code: "BL", Value: "Y"}, {Code: "CQ", Value: yn(pinMatches(req, p))},
	}
	return sip2.Message{ID: "24", Fixed: status + "000" + s.date(), Fields: append(fields, feeFields(p)...)}
}

// patronInfo answers 63. The AO is the server's own; CQ is sent only
// when the request had an AD field.
func (s *session) patronInfo(req sip2.Message) sip2.Message {
	id, _ := req.Field("AA")
	head := []sip2.Field{{Code: "AO", Value: s.srv.cfg.Institution}, {Code: "AA", Value: id}}
	p, known := s.srv.patron(id)
	if !known {
		return sip2.Message{
			ID:     "64",
			Fixed:  unknownStatus + "000" + s.date() + strings.Repeat("0000", 6),
			Fields: append(head, sip2.Field{Code: "AE"}, sip2.Field{Code: "BL", Value: "N"}),
		}
	}
	status, _ := p.status()
	counts := fmt.Sprintf("000000000000%04d00000000", len(p.FineItems))
	fields := append(head, sip2.Field{Code: "AE", Value: p.Name})
	fields = appendSet(fields, "BD", p.Address, "BE", p.Email, "BF", p.Phone, "AQ", p.HomeLibrary)
	if wantsFineList(req) {
		for _, item := range p.FineItems {
			fields = append(fields, sip2.Field{Code: "AV", Value: item})
		}
	}
	fields = append(fields, sip2.Field{Code: "BL", Value: "Y"})
	if _, hasPIN := req.Field("AD"); hasPIN {
		fields = append(fields, sip2.Field{Code: "CQ", Value: yn(pinMatches(req, p))})
	}
	fields = append(fields, feeFields(p)...)
	fields = appendSet(fields, "PA", p.Expires, "PB", p.BirthDate, "PC", p.Class)
	fields = append(fields, sip2.Field{Code: "PI", Value: yn(p.Internet)}, sip2.Field{Code: "XI", Value: p.ID})
	return sip2.Message{ID: "64", Fixed: status + "000" + s.date() + counts, Fields: fields}
}

// wantsFineList reads position 4 of the 63 summary, after language (3)
// and date (18).
func wantsFineList(req sip2.Message) bool {
	return len(req.Fixed) >= 25 && req.Fixed[24] == 'Y'
}

func (s *session) endSession(req sip2.Message) sip2.Message {
	ao, _ := req.Field("AO")
	id, _ := req.Field("AA")
	return sip2.Message{ID: "36", Fixed: "Y" + s.date(), Fields: []sip2.Field{
		{Code: "AO", Value: ao}, {Code: "AA", Value: id}, {Code: "AF", Value: s.srv.cfg.EndSessionMessage},
	}}
}

// pinMatches: no AD, an empty AD or a different PIN are all "no".
func pinMatches(req sip2.Message, p Patron) bool {
	pin, ok := req.Field("AD")
	return ok && pin != "" && pin == p.PIN
}

func feeFields(p Patron) []sip2.Field {
	return appendSet(nil, "BH", p.Currency, "BV", p.FeeAmount)
}

// appendSet appends code/value pairs whose value is not empty.
func appendSet(fields []sip2.Field, pairs ...string) []sip2.Field {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] != "" {
			fields = append(fields, sip2.Field{Code: pairs[i], Value: pairs[i+1]})
		}
	}
	return fields
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// foldText makes the response ASCII the way the reference institution
// does, unless the server answers in UTF-8.
func (s *session) foldText(m *sip2.Message) {
	if s.srv.cfg.PlainUTF8 {
		return
	}
	for i := range m.Fields {
		m.Fields[i].Value = foldASCII(m.Fields[i].Value)
	}
}

// latin1Fold maps the Latin-1 letters 0xC0-0xFF to their base letter;
// '?' marks bytes with none.
const latin1Fold = "AAAAAA?CEEEEIIIIDNOOOOO?OUUUUY??aaaaaa?ceeeeiiiidnooooo?ouuuuy?y"

// foldASCII reads each byte of s as Latin-1 and folds it to ASCII. UTF-8
// "ä" (C3 A4) becomes "A?": C3 is "Ã", A4 is "¤", as the reference
// server answers.
func foldASCII(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			if b != nil {
				b = append(b, c)
			}
			continue
		}
		if b == nil {
			b = append([]byte{}, s[:i]...)
		}
		if c >= 0xC0 {
			b = append(b, latin1Fold[c-0xC0])
		} else {
			b = append(b, '?')
		}
	}
	if b == nil {
		return s
	}
	return string(b)
}
