//go:build windows

package localapi

// restrictSocket does nothing on Windows: an AF_UNIX socket file there
// inherits the ACL of its directory, which the installer restricts.
func restrictSocket(path string, group int) error { return nil }
