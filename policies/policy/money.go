package policy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Money is an amount in hundredths of the library's currency (cents), kept
// as an integer so that a fee limit of 10.00 compares exactly with the fees
// the library system reports.
type Money int64

// maxMoney keeps amounts far from overflow; no library fee limit is near it.
const maxMoney = Money(1_000_000_00)

var errMoneyFormat = errors.New("must be an amount like 10 or 10.50")

// ParseMoney reads an amount written as whole units with up to two decimals:
// "10", "10.5", "10.50".
func ParseMoney(s string) (Money, error) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 9 || !digits(whole) || (hasDot && (len(frac) == 0 || len(frac) > 2 || !digits(frac))) {
		return 0, errMoneyFormat
	}
	units, _ := strconv.ParseInt(whole, 10, 64)
	cents, _ := strconv.ParseInt((frac + "00")[:2], 10, 64)
	return Money(units*100 + cents), nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String writes m with two decimals, like "10.00".
func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

// MarshalJSON writes m as a JSON number with two decimals, 10.00.
func (m Money) MarshalJSON() ([]byte, error) {
	return []byte(m.String()), nil
}

// UnmarshalJSON reads a JSON number with at most two decimals.
func (m *Money) UnmarshalJSON(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return fmt.Errorf("policy: money %s: %w", b, err)
	}
	*m = v
	return nil
}

// MarshalYAML writes m as a YAML number with two decimals.
func (m Money) MarshalYAML() (any, error) {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: m.String()}, nil
}

func parseMoney(n *yaml.Node, key string) (Money, error) {
	n, err := scalarOf(n, key, "an amount like 10.00", "!!int", "!!float")
	if err != nil {
		return 0, err
	}
	m, err := ParseMoney(n.Value)
	if err != nil {
		return 0, errorf(key, n.Line, "%v, got %s", err, describe(n))
	}
	return m, nil
}
