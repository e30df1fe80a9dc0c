package sip2server

import (
	"encoding/json"
	"fmt"
	"os"

	"piste/fleet/sip2"
)

// Patron is one library card the server knows.
type Patron struct {
	// ID is the card number (AA). It is matched exactly, spaces included.
	ID string `json:"id"`
	// PIN is the patron password (AD).
	PIN         string `json:"pin"`
	Name        string `json:"name"`
	Address     string `json:"address,omitempty"`
	Email       string `json:"email,omitempty"`
	Phone       string `json:"phone,omitempty"`
	HomeLibrary string `json:"home_library,omitempty"`
	// Expires and BirthDate are YYYYMMDD (PA, PB); empty leaves them out.
	Expires   string `json:"expires,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	// Class is the patron class (PC); empty leaves it out.
	Class    string `json:"class,omitempty"`
	Internet bool   `json:"internet"`
	// FineItems are the AV lines; their number is the fine-items count.
	FineItems []string `json:"fine_items,omitempty"`
	// Status is the raw 14-character patron status. Empty means the
	// Evergreen default "  Y           " (no recalls).
	Status string `json:"status,omitempty"`
	// Flags set more status positions by name, such as "card reported
	// lost" (see sip2.StatusFlagNames).
	Flags []string `json:"flags,omitempty"`
	// FeeAmount is sent as BV when not empty, for example "12.50".
	FeeAmount string `json:"fee_amount,omitempty"`
	// Currency is sent as BH when not empty, for example "EUR".
	Currency string `json:"currency,omitempty"`
}

// defaultStatus is what Evergreen's test backend sends for its patrons.
const defaultStatus = "  Y           "

// status returns the 14-character patron status with Flags merged in.
func (p Patron) status() (string, error) {
	raw := p.Status
	if raw == "" {
		raw = defaultStatus
	}
	if len(raw) != 14 {
		return "", fmt.Errorf("sip2server: patron %q: status must be 14 characters, got %d", p.ID, len(raw))
	}
	named, err := sip2.StatusFlagsFromNames(p.Flags...)
	if err != nil {
		return "", fmt.Errorf("sip2server: patron %q: %w", p.ID, err)
	}
	out := []byte(raw)
	for i, c := range named.Wire() {
		if c == 'Y' {
			out[i] = 'Y'
		}
	}
	return string(out), nil
}

// ReferencePatrons are the two patrons of the Evergreen test backend the
// reference transcripts were recorded against.
func ReferencePatrons() []Patron {
	return []Patron{
		{
			ID: "djfiander", PIN: "6789", Name: "David J. Fiander",
			Address: "2 Meadowvale Dr. St Thomas, ON", Email: "djfiander@hotmail.com",
			Phone: "(519) 555 1234", HomeLibrary: "Beacock", Expires: "20501231",
			BirthDate: "19640925", Class: "A", Internet: true,
			FineItems: []string{"Computer Time"},
		},
		{
			ID: "miker", PIN: "6789", Name: "Mike Rylander",
			Address: "Somewhere in Atlanta", Email: "mrylander@gmail.com",
			Phone: "(404) 555 1235", Expires: "20501120", BirthDate: "19640925",
			Class: "A", Internet: false,
		},
	}
}

// patronFile is the JSON file format: {"patrons": [ ... ]}.
type patronFile struct {
	Patrons []Patron `json:"patrons"`
}

// LoadPatrons reads patrons from a JSON file of the form
// {"patrons": [{"id": "...", "pin": "...", "name": "...", ...}]}.
func LoadPatrons(path string) ([]Patron, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sip2server: read patrons: %w", err)
	}
	var f patronFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("sip2server: patrons file %s: %w", path, err)
	}
	for i, p := range f.Patrons {
		if p.ID == "" {
			return nil, fmt.Errorf("sip2server: patrons file %s: patron %d has no \"id\"", path, i+1)
		}
		if _, err := p.status(); err != nil {
			return nil, fmt.Errorf("sip2server: patrons file %s: %w", path, err)
		}
	}
	return f.Patrons, nil
}

// DemoPatrons are the cards a Piste demo uses, besides ReferencePatrons.
// All PINs are 1234.
//
//	20000001, 20000002, 20000003  ordinary cards
//	20000004                      blocked: card reported lost
//	20000005                      owes 12.50 EUR
func DemoPatrons() []Patron {
	ordinary := func(id, name string) Patron {
		return Patron{ID: id, PIN: "1234", Name: name, Expires: "20351231", Class: "A", Internet: true}
	}
	blocked := ordinary("20000004", "Blocked Demo")
	blocked.Flags = []string{"card reported lost"}
	fees := ordinary("20000005", "Fees Demo")
	fees.FeeAmount, fees.Currency = "12.50", "EUR"
	fees.FineItems = []string{"Overdue: Seitseman veljesta"}
	return []Patron{
		ordinary("20000001", "Aino Demo"),
		ordinary("20000002", "Eero Demo"),
		ordinary("20000003", "Linnea Demo"),
		blocked, fees,
	}
}
