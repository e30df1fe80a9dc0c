package config

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// maxFileBytes bounds the config file: it lists a few accounts and paths.
const maxFileBytes = 64 << 10

// Load reads and checks the config at path. An empty path means
// DefaultPath, and when that file does not exist the built-in Default
// stands in; a path named by the admin must exist. The file must be owned
// by root (or by the agent's own account when it does not run as root) and
// writable by no one else, and every skeleton and visitor account it lists
// must pass the rules at load time (they are checked again at use).
func Load(path string) (Config, error) {
	named := path != ""
	if !named {
		path = DefaultPath
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !named {
		return Default(), nil
	}
	if err != nil {
		return Config{}, &Error{File: path, Msg: fmt.Sprintf("cannot be read: %v", unwrapPath(err))}
	}
	defer f.Close()
	if err := checkTrustedFile(f, path); err != nil {
		return Config{}, &Error{File: path, Msg: err.Error()}
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return Config{}, &Error{File: path, Msg: fmt.Sprintf("cannot be read: %v", err)}
	}
	if len(data) > maxFileBytes {
		return Config{}, &Error{File: path, Msg: fmt.Sprintf("is larger than %d bytes; it lists only accounts and paths", maxFileBytes)}
	}
	c, err := Parse(data, path)
	if err != nil {
		return Config{}, err
	}
	if err := c.checkMachine(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// checkMachine applies the rules that look at this machine: skeletons are
// trusted directories, visitor accounts are ordinary accounts.
func (c Config) checkMachine() error {
	for i, p := range c.Skeletons {
		if err := checkTrustedDir(p); err != nil {
			return &Error{File: c.File, Key: fmt.Sprintf("skeletons[%d]", i), Msg: fmt.Sprintf("skeletons[%d] %v", i, err)}
		}
	}
	for i, name := range c.VisitorAccounts {
		if err := checkAccount(name, c.StaffAccounts); err != nil {
			return &Error{File: c.File, Key: fmt.Sprintf("visitor_accounts[%d]", i), Msg: fmt.Sprintf("visitor_accounts[%d] %v", i, err)}
		}
	}
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
