package localapitest

import (
	"context"

	"piste/agent/localapi"
	"piste/fleet/protocol"
)

var _ localapi.MyDataController = (*Scripted)(nil)

// MyData records the call and answers with what the script keeps.
func (s *Scripted) MyData(context.Context) (localapi.MyData, error) {
	if err := s.record("MyData", nil); err != nil {
		return localapi.MyData{}, err
	}
	return s.kept(), nil
}

// RememberSettings records the call and keeps the status's choices, as
// the fleet would.
func (s *Scripted) RememberSettings(context.Context) (localapi.MyData, error) {
	if err := s.record("RememberSettings", nil); err != nil {
		return localapi.MyData{}, err
	}
	st := s.Status()
	a := st.Accessibility
	set := protocol.VisitorSettings{TextScale: a.TextScale, HighContrast: a.HighContrast, Language: st.Language,
		Speech: a.Speech, SpeechRate: a.SpeechRate}
	s.mu.Lock()
	s.remembered = &set
	s.mu.Unlock()
	return s.kept(), nil
}

// ForgetMyData records the call and forgets the kept settings.
func (s *Scripted) ForgetMyData(context.Context) (localapi.MyData, error) {
	if err := s.record("ForgetMyData", nil); err != nil {
		return localapi.MyData{}, err
	}
	s.mu.Lock()
	s.remembered = nil
	s.mu.Unlock()
	return s.kept(), nil
}

func (s *Scripted) kept() localapi.MyData {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := localapi.MyData{KeptDays: 365, SessionsToday: []protocol.KeptSession{{Branch: "kallio", Minutes: 25}}}
	if s.remembered != nil {
		c := *s.remembered
		d.Settings = &c
	}
	return d
}
