package config

import (
	"fmt"
	"os"
	"slices"
)

// On Windows the config file's and skeletons' ACLs are not checked yet,
// nor membership of Administrators: only names are (see administrators
// and staff_accounts). The Windows installer makes the file writable by
// Administrators only.

func checkTrustedFile(*os.File, string) error { return nil }

func checkTrustedDir(string) error { return nil }

func checkAccount(name string, staff []string) error {
	if slices.Contains(staff, name) {
		return fmt.Errorf("%q is listed in staff_accounts: a staff account is never a visitor account", name)
	}
	return nil
}
