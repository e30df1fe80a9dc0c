package visits

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the file in the data directory that holds the card-hash key.
const KeyFile = "card-hash.key"

// Cards turns library card numbers into keyed hashes: the fleet can count
// a card's minutes without keeping the number, and a stolen database
// without the key file does not give the numbers back by guessing.
type Cards struct{ key []byte }

// LoadCards reads the key from dir, creating a random one (mode 0600) on
// first start.
func LoadCards(dir string) (Cards, error) {
	path := filepath.Join(dir, KeyFile)
	c, err := readKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return createKey(path)
	}
	return c, err
}

// LoadCardsFile reads the key from a file kept outside the data directory,
// so a copy of the database alone cannot be matched to card numbers. The
// file must exist and be readable by its owner only.
func LoadCardsFile(path string) (Cards, error) {
	c, err := readKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Cards{}, fmt.Errorf("visits: card key file %s does not exist; restore it from backup, or make a new one (every card's quota and reservations start afresh) with: head -c 32 /dev/urandom > %s && chmod 600 %s", path, path, path)
	}
	return c, err
}

func readKey(path string) (Cards, error) {
	f, err := os.Open(path)
	if err != nil {
		return Cards{}, fmt.Errorf("visits: read card key: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Cards{}, fmt.Errorf("visits: read card key: %w", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return Cards{}, fmt.Errorf("visits: card key %s can be read by others (mode %04o); run: chmod 600 %s", path, perm, path)
	}
	key, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return Cards{}, fmt.Errorf("visits: read card key: %w", err)
	}
	if len(key) < 32 {
		return Cards{}, fmt.Errorf("visits: card key %s is shorter than 32 bytes; restore it from backup", path)
	}
	return Cards{key: key}, nil
}

func createKey(path string) (Cards, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return Cards{}, fmt.Errorf("visits: make card key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first
		return LoadCards(filepath.Dir(path))
	}
	if err != nil {
		return Cards{}, fmt.Errorf("visits: create card key: %w", err)
	}
	_, err = f.Write(key)
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		return Cards{}, fmt.Errorf("visits: write card key: %w", err)
	}
	return Cards{key: key}, nil
}

// NewCards uses a given key; for tests and tools.
func NewCards(key []byte) Cards { return Cards{key: key} }

// Hash returns the keyed hash a card number is stored under.
func (c Cards) Hash(card string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(NormalizeCard(card)))
	return hex.EncodeToString(m.Sum(nil))
}

// NormalizeCard drops the spaces people type in card numbers.
func NormalizeCard(card string) string {
	return strings.Join(strings.Fields(card), "")
}

// Hint is the last four characters of a card number, enough for staff and
// the visitor to recognise a reservation without storing the number.
func Hint(card string) string {
	card = NormalizeCard(card)
	if len(card) <= 4 {
		return card
	}
	return card[len(card)-4:]
}
