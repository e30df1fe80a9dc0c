package protocol

import (
	"encoding/json"
	"testing"
	"time"
)

func TestScheduleActive(t *testing.T) {
	hel, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, hel)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	// 2026-12-07 is a Monday.
	cases := []struct {
		name  string
		sched []ManifestSchedule
		at    time.Time
		want  string // schedule id, "" for none
	}{
		{"weekday inside window", []ManifestSchedule{{ID: "a", Weekdays: []int{1}, From: "08:00", To: "20:00"}}, at("2026-12-07 08:00"), "a"},
		{"window end is exclusive", []ManifestSchedule{{ID: "a", Weekdays: []int{1}, From: "08:00", To: "20:00"}}, at("2026-12-07 20:00"), ""},
		{"other weekday", []ManifestSchedule{{ID: "a", Weekdays: []int{2, 3}, From: "08:00", To: "20:00"}}, at("2026-12-07 12:00"), ""},
		{"sunday is 7", []ManifestSchedule{{ID: "a", Weekdays: []int{7}}}, at("2026-12-06 12:00"), "a"},
		{"all day every day", []ManifestSchedule{{ID: "a"}}, at("2026-12-07 03:00"), "a"},
		{"to 24:00", []ManifestSchedule{{ID: "a", From: "18:00", To: "24:00"}}, at("2026-12-07 23:59"), "a"},
		{"midnight window evening part", []ManifestSchedule{{ID: "a", Weekdays: []int{5}, From: "22:00", To: "02:00"}}, at("2026-12-11 23:00"), "a"},
		{"midnight window belongs to the opening day", []ManifestSchedule{{ID: "a", Weekdays: []int{5}, From: "22:00", To: "02:00"}}, at("2026-12-12 01:30"), "a"},
		{"midnight window not opened the day before", []ManifestSchedule{{ID: "a", Weekdays: []int{5}, From: "22:00", To: "02:00"}}, at("2026-12-11 01:30"), ""},
		{"midnight window gap", []ManifestSchedule{{ID: "a", From: "22:00", To: "02:00"}}, at("2026-12-11 12:00"), ""},
		{"before start date", []ManifestSchedule{{ID: "a", StartDate: "2026-12-08"}}, at("2026-12-07 12:00"), ""},
		{"on start date", []ManifestSchedule{{ID: "a", StartDate: "2026-12-07", EndDate: "2026-12-07"}}, at("2026-12-07 00:00"), "a"},
		{"after end date", []ManifestSchedule{{ID: "a", EndDate: "2026-12-06"}}, at("2026-12-07 00:00"), ""},
		{"after midnight past the end date still closes the last window", []ManifestSchedule{{ID: "a", EndDate: "2026-12-06", From: "22:00", To: "02:00"}}, at("2026-12-07 01:00"), "a"},
		{"priority wins", []ManifestSchedule{{ID: "s9", Priority: 5}, {ID: "s10", Priority: 1}}, at("2026-12-07 12:00"), "s9"},
		{"priority tie: newer wins", []ManifestSchedule{{ID: "s9", Priority: 1}, {ID: "s10", Priority: 1}}, at("2026-12-07 12:00"), "s10"},
		{"higher priority outside its window loses", []ManifestSchedule{{ID: "a", Priority: 9, From: "08:00", To: "09:00"}, {ID: "b"}}, at("2026-12-07 12:00"), "b"},
		// Europe/Helsinki: clocks go 03:00 → 04:00 on 2026-03-29 and 04:00 → 03:00 on 2026-10-25.
		{"spring forward: 04:00 wall is in a 03:30-05:00 window", []ManifestSchedule{{ID: "a", From: "03:30", To: "05:00"}}, at("2026-03-29 04:00"), "a"},
		{"spring forward: 02:59 is before the window", []ManifestSchedule{{ID: "a", From: "03:30", To: "05:00"}}, time.Date(2026, 3, 29, 0, 59, 0, 0, time.UTC), ""},
		{"spring forward: 01:00 UTC is 04:00 EEST", []ManifestSchedule{{ID: "a", From: "04:00", To: "05:00"}}, time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), "a"},
		{"fall back: first 03:30", []ManifestSchedule{{ID: "a", From: "03:00", To: "04:00"}}, time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), "a"},
		{"fall back: second 03:30", []ManifestSchedule{{ID: "a", From: "03:00", To: "04:00"}}, time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), "a"},
		{"fall back: 02:00 UTC is 04:00 EET, window over", []ManifestSchedule{{ID: "a", From: "03:00", To: "04:00"}}, time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC), ""},
		{"summer evening by local time", []ManifestSchedule{{ID: "a", From: "20:00", To: "21:00"}}, time.Date(2026, 7, 1, 17, 30, 0, 0, time.UTC), "a"},
		{"winter evening by local time", []ManifestSchedule{{ID: "a", From: "20:00", To: "21:00"}}, time.Date(2026, 1, 1, 17, 30, 0, 0, time.UTC), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range tc.sched {
				if err := s.Validate(); err != nil {
					t.Fatalf("schedule %s invalid: %v", s.ID, err)
				}
			}
			got := Manifest{Schedules: tc.sched}.Active(tc.at, hel)
			id := ""
			if got != nil {
				id = got.ID
			}
			if id != tc.want {
				t.Errorf("at %s: active %q, want %q", tc.at.In(hel), id, tc.want)
			}
		})
	}
}

func TestScheduleValidate(t *testing.T) {
	bad := []ManifestSchedule{
		{Weekdays: []int{0}}, {Weekdays: []int{8}}, {From: "08:00"}, {From: "25:00", To: "26:00"},
		{From: "08:00", To: "08:00"}, {From: "24:00", To: "01:00"}, {StartDate: "2026-13-01"},
		{StartDate: "2026-12-08", EndDate: "2026-12-07"}, {Priority: -1}, {Priority: 101},
	}
	for _, s := range bad {
		if s.Validate() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

func TestManifestValidate(t *testing.T) {
	sum := "0000000000000000000000000000000000000000000000000000000000000000"
	m := Manifest{TZ: "Europe/Helsinki", Items: []ManifestItem{{ID: "c1", Kind: ContentImage, SHA256: sum, Size: 10}},
		Playlists: []ManifestPlaylist{{ID: "p1", Items: []PlaylistEntry{{ContentID: "c1", Seconds: 10}}}},
		Schedules: []ManifestSchedule{{ID: "s1", PlaylistID: "p1"}}}
	m.ID = m.Digest()
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	tampered := m
	tampered.TZ = "UTC"
	if tampered.Validate() == nil {
		t.Error("a manifest whose id does not match was accepted")
	}
	noList := m
	noList.Schedules = []ManifestSchedule{{ID: "s1", PlaylistID: "p2"}}
	noList.ID = noList.Digest()
	if noList.Validate() == nil {
		t.Error("a schedule of an unknown playlist was accepted")
	}
}

// FuzzManifest feeds the screen's manifest check and schedule evaluation
// whatever a fleet (or an attacker on the link) could send.
func FuzzManifest(f *testing.F) {
	sum := "0000000000000000000000000000000000000000000000000000000000000000"
	m := Manifest{TZ: "Europe/Helsinki", Items: []ManifestItem{{ID: "c1", Kind: ContentImage, SHA256: sum}},
		Playlists: []ManifestPlaylist{{ID: "p1", Items: []PlaylistEntry{{ContentID: "c1", Seconds: 10}}}},
		Schedules: []ManifestSchedule{{ID: "s1", PlaylistID: "p1", Weekdays: []int{1, 7}, From: "22:00", To: "02:00", StartDate: "2026-01-01"}}}
	m.ID = m.Digest()
	seed, _ := json.Marshal(m)
	f.Add(seed)
	f.Add([]byte(`{"id":"x","tz":"Mars/Base"}`))
	f.Add([]byte(`{"schedules":[{"from":"24:00","to":"00:00"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Manifest
		if json.Unmarshal(data, &m) != nil {
			return
		}
		if m.Validate() != nil {
			return
		}
		at := time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)
		for i := 0; i < 48; i++ {
			if s := m.Active(at, m.Location()); s != nil && m.Playlist(s.PlaylistID) == nil {
				t.Fatalf("active schedule %s names no playlist", s.ID)
			}
			at = at.Add(time.Hour)
		}
	})
}
