package localapi

import (
	"time"

	"piste/fleet/protocol"
)

// Signage is what an info screen shows and how its content stands; only
// screens have it.
type Signage struct {
	// Manifest is the id of the active manifest ("" before the first).
	Manifest   string      `json:"manifest"`
	NowPlaying *NowPlaying `json:"now_playing"`
	// Notice is the urgent notice on screen; it overrides everything.
	Notice *SignageNotice `json:"notice"`
	// BranchName and TZ are for the fallback slide (name and clock).
	BranchName string `json:"branch_name,omitempty"`
	TZ         string `json:"tz,omitempty"`
	// Pending is a manifest still downloading; the active one plays meanwhile.
	Pending     string `json:"pending,omitempty"`
	SyncError   string `json:"sync_error,omitempty"`
	CacheBytes  int64  `json:"cache_bytes"`
	BudgetBytes int64  `json:"budget_bytes"`
	// ScreenshotRequest is set while an admin waits for a picture of the
	// screen: the player answers with Client.SignageScreenshot.
	ScreenshotRequest string `json:"screenshot_request,omitempty"`
}

// NowPlaying is the slide on screen. Path is a verified file in the
// agent's content cache (images), readable by the kiosk account.
type NowPlaying struct {
	ContentID string              `json:"content_id"`
	SHA256    string              `json:"sha256"`
	Kind      string              `json:"kind"`
	Path      string              `json:"path,omitempty"`
	Text      *protocol.TextSlide `json:"text,omitempty"`
	// ImagePath is a text slide's image.
	ImagePath string             `json:"image_path,omitempty"`
	Live      string             `json:"live,omitempty"`
	LiveData  *protocol.LiveData `json:"live_data,omitempty"`
	Since     time.Time          `json:"since"`
	Seconds   int                `json:"seconds"`
}

// SignageNotice is an urgent notice on screen.
type SignageNotice struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	ExpiresAt time.Time `json:"expires_at"`
}
