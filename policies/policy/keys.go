package policy

import "slices"

// KnownKeys lists every policy key ("session.max_minutes") in the order
// they are documented, so a page can show a merged policy key by key.
func KnownKeys() []string { return slices.Clone(knownKeys) }
