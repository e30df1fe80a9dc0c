package localapi

// Limits of the visitor's accessibility choices.
const (
	MinTextScale  = 100
	MaxTextScale  = 200
	MinSpeechRate = 80 // words per minute
	MaxSpeechRate = 320
)

// Validate says which choice is out of range; 0 means "the default" for
// the text scale and the speech rate.
func (a Accessibility) Validate() error {
	if a.TextScale != 0 && (a.TextScale < MinTextScale || a.TextScale > MaxTextScale) {
		return badRequest(CodeBadRequest, "text_scale must be between %d and %d percent, got %d", MinTextScale, MaxTextScale, a.TextScale)
	}
	if a.SpeechRate != 0 && (a.SpeechRate < MinSpeechRate || a.SpeechRate > MaxSpeechRate) {
		return badRequest(CodeBadRequest, "speech_rate must be between %d and %d words a minute, got %d", MinSpeechRate, MaxSpeechRate, a.SpeechRate)
	}
	return nil
}
