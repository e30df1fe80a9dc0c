// Package browser holds the browser tests of the fleet's web pages: a real
// fleet server in-process, terminals connected over the real agent link,
// and Debian's real Chromium driven over the DevTools protocol. The package
// has no code of its own; everything is in its tests.
package browser
