package main

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"time"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
	"piste/kiosk-ui/internal/shots"
)

// playerShots renders the info-screen player: an image letterboxed, a
// text slide, each live slide, an urgent notice and the fallback slide,
// in each language (an info screen has no visitor to scale its text).
func playerShots(out string) error {
	poster, err := posterPNG()
	if err != nil {
		return err
	}
	defer os.Remove(poster)
	next := shots.Now.Add(25 * time.Minute)
	live := protocol.LiveData{FreeComputers: 3, TotalComputers: 12, Open: "08:00", Close: "20:00",
		SupportHours: "10:00–16:00", VolunteerOnDuty: true}
	busy := protocol.LiveData{TotalComputers: 12, NextFreeAt: &next}
	shots := []struct {
		name string
		sg   localapi.Signage
	}{
		{"image", localapi.Signage{NowPlaying: &localapi.NowPlaying{ContentID: "c1", Kind: protocol.ContentImage, Path: poster}}},
		{"text", localapi.Signage{NowPlaying: &localapi.NowPlaying{ContentID: "c2", Kind: protocol.ContentText, Text: &protocol.TextSlide{
			Title: "Satutunti · Sagostund · Story time", Body: "Lauantaisin klo 11 lastenosastolla.\nLördagar kl. 11 på barnavdelningen.\nSaturdays at 11 in the children's section.",
			FG: "#ffffff", BG: "#003a70"}}}},
		{"live-free", localapi.Signage{NowPlaying: &localapi.NowPlaying{ContentID: "c3", Kind: protocol.ContentLive, Live: protocol.LiveFreeComputers, LiveData: &live}}},
		{"live-busy", localapi.Signage{NowPlaying: &localapi.NowPlaying{ContentID: "c3", Kind: protocol.ContentLive, Live: protocol.LiveFreeComputers, LiveData: &busy}}},
		{"live-hours", localapi.Signage{NowPlaying: &localapi.NowPlaying{ContentID: "c4", Kind: protocol.ContentLive, Live: protocol.LiveOpeningHours, LiveData: &live}}},
		{"live-support", localapi.Signage{NowPlaying: &localapi.NowPlaying{ContentID: "c5", Kind: protocol.ContentLive, Live: protocol.LiveSupport, LiveData: &live}}},
		{"notice", localapi.Signage{Notice: &localapi.SignageNotice{ID: "n1", Text: "Kirjasto suljetaan tänään klo 15 vesivahingon vuoksi."}}},
		{"fallback", localapi.Signage{BranchName: "Kallio"}},
	}
	for _, s := range shots {
		for _, lang := range i18n.Languages {
			sg := s.sg
			st := localapi.Status{State: localapi.StateIdle, Kind: protocol.KindScreen, Language: lang, Version: "screenshots", Signage: &sg}
			if err := write(filepath.Join(out, fmt.Sprintf("player-%s-%s.png", s.name, lang)), st); err != nil {
				return err
			}
		}
	}
	return nil
}

// posterPNG draws a 4:3 poster, so the 16:10 screen letterboxes it.
func posterPNG() (string, error) {
	img := image.NewNRGBA(image.Rect(0, 0, 800, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 800; x++ {
			img.Set(x, y, color.NRGBA{uint8(40 + x/6), uint8(90 + y/8), 160, 255})
		}
	}
	f, err := os.CreateTemp("", "piste-poster-*.png")
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		return "", err
	}
	return f.Name(), f.Close()
}
