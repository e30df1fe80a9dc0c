package protocol

import (
	"fmt"
	"time"
)

// PathAgentMyData is where the agent keeps, shows and deletes the settings a
// visitor chose to have remembered ("MyData"), for the card of a running
// card session: GET -> MyData, PUT VisitorSettings -> MyData, DELETE ->
// MyData (empty). The fleet finds the card by the session; the agent never
// sends a card number for it.
const PathAgentMyData = "/api/v1/agent/sessions/{id}/mydata"

// VisitorSettings are the choices a visitor may have remembered across the
// network: text size, contrast, language and speech.
type VisitorSettings struct {
	TextScale    int    `json:"text_scale"` // percent, 100..200
	HighContrast bool   `json:"high_contrast"`
	Language     string `json:"language"` // fi | sv | en
	Speech       bool   `json:"speech"`
	SpeechRate   int    `json:"speech_rate,omitempty"` // words per minute, 80..320; 0 the default
}

// Validate names the first setting out of range.
func (v VisitorSettings) Validate() error {
	switch {
	case v.TextScale < 100 || v.TextScale > 200:
		return fmt.Errorf("text_scale must be between 100 and 200, got %d", v.TextScale)
	case v.Language != "fi" && v.Language != "sv" && v.Language != "en":
		return fmt.Errorf("language must be fi, sv or en, got %q", v.Language)
	case v.SpeechRate != 0 && (v.SpeechRate < 80 || v.SpeechRate > 320):
		return fmt.Errorf("speech_rate must be between 80 and 320 words a minute, got %d", v.SpeechRate)
	}
	return nil
}

// MyData is what the fleet keeps about a visitor's computer use, as the
// visitor may see it at the kiosk: their remembered settings, if any, and
// their sessions today, kept for the daily quota.
type MyData struct {
	Settings      *VisitorSettings `json:"settings,omitempty"`
	SettingsSaved time.Time        `json:"settings_saved,omitzero"`
	// KeptDays is how many days unused settings are kept before the fleet
	// deletes them.
	KeptDays      int           `json:"kept_days"`
	SessionsToday []KeptSession `json:"sessions_today"`
}

// KeptSession is one session of the day as the quota counts it.
type KeptSession struct {
	Branch  string    `json:"branch"`
	Started time.Time `json:"started"`
	Minutes int       `json:"minutes"`
}
