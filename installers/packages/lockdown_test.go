package packages

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLockDownFilesNameTheVisitorAndPrograms(t *testing.T) {
	dir := t.TempDir()
	l := DefaultLockDown()
	l.VisitorAccount = `visitor&"<x>`
	require.NoError(t, WriteLockDown(dir, l))

	var shell struct {
		Configs []struct {
			Account struct {
				Name string `xml:"Name,attr"`
			} `xml:"Config>Account"`
		} `xml:"Configs"`
		Shells []struct {
			Shell string `xml:"Shell,attr"`
		} `xml:"Profiles>Profile>Shell"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "shell-launcher.xml"))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(b, &shell))
	require.Len(t, shell.Configs, 1)
	assert.Equal(t, l.VisitorAccount, shell.Configs[0].Account.Name, "escaped, and read back the same")
	require.Len(t, shell.Shells, 1)
	assert.Equal(t, l.KioskExe, shell.Shells[0].Shell)

	var aa struct {
		Apps []struct {
			Path string `xml:"DesktopAppPath,attr"`
		} `xml:"Profiles>Profile>AllAppsList>AllowedApps>App"`
		Account string `xml:"Configs>Config>Account"`
	}
	b, err = os.ReadFile(filepath.Join(dir, "assigned-access.xml"))
	require.NoError(t, err)
	require.NoError(t, xml.Unmarshal(b, &aa))
	assert.Equal(t, l.VisitorAccount, aa.Account)
	var paths []string
	for _, a := range aa.Apps {
		paths = append(paths, a.Path)
	}
	assert.Equal(t, append([]string{l.KioskExe}, l.Programs...), paths)
}
