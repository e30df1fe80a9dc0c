package player

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/internal/uitest"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// squarePNG writes a red square: on a 16:9 screen it must be letterboxed.
func squarePNG(t *testing.T) string {
	img := image.NewNRGBA(image.Rect(0, 0, 200, 200))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+3] = 0xe0, 0xff
	}
	path := filepath.Join(t.TempDir(), "square.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	png.Encode(f, img)
	f.Close()
	return path
}

type rig struct {
	t     *testing.T
	win   fyne.Window
	p     *Player
	q     *uitest.Queue
	clock *fakeClock
}

func newRig(t *testing.T) *rig {
	a := test.NewApp()
	t.Cleanup(a.Quit)
	q := uitest.NewQueue()
	clock := &fakeClock{t: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)} // 10.00 in Helsinki
	p := New(q.Do, clock.Now)
	win := a.NewWindow("")
	win.SetPadded(false)
	win.SetContent(p.Object())
	win.Resize(fyne.NewSize(1280, 720))
	return &rig{t: t, win: win, p: p, q: q, clock: clock}
}

func (r *rig) show(sg *localapi.Signage) {
	r.clock.Add(time.Second) // past MinChange
	r.p.Update(localapi.Status{Kind: protocol.KindScreen, Language: "fi", Signage: sg})
	uitest.Relayout(r.win.Content())
}

func (r *rig) texts() string {
	var out []string
	uitest.Walk(r.win.Content(), func(o fyne.CanvasObject, _ fyne.Position) {
		if t, ok := o.(*canvas.Text); ok {
			out = append(out, t.Text)
		}
	})
	return strings.Join(out, " | ")
}

// notBlack fails when most of the screen is black: the player must never
// show a black screen.
func (r *rig) notBlack() image.Image {
	r.t.Helper()
	img := r.win.Canvas().Capture()
	b := img.Bounds()
	dark, total := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += 8 {
		for x := b.Min.X; x < b.Max.X; x += 8 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr>>8 < 24 && cg>>8 < 24 && cb>>8 < 24 {
				dark++
			}
			total++
		}
	}
	if dark*2 > total {
		r.t.Errorf("%d of %d sampled pixels are black", dark, total)
	}
	return img
}

func near(c color.Color, want color.NRGBA) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, w uint8) bool { return int(a>>8)-int(w) < 16 && int(w)-int(a>>8) < 16 }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func TestImageIsLetterboxed(t *testing.T) {
	r := newRig(t)
	r.show(&localapi.Signage{NowPlaying: &localapi.NowPlaying{ContentID: "c1", Kind: protocol.ContentImage, Path: squarePNG(t), Seconds: 10}})
	img := r.notBlack()
	b := img.Bounds()
	mid := img.At(b.Dx()/2, b.Dy()/2)
	if !near(mid, color.NRGBA{0xe0, 0, 0, 0xff}) {
		t.Errorf("centre pixel %v, want the image's red", mid)
	}
	if edge := img.At(b.Dx()/20, b.Dy()/2); !near(edge, letterbox) {
		t.Errorf("left band pixel %v, want the letterbox colour", edge)
	}
	if top := img.At(b.Dx()/2, 2); !near(top, color.NRGBA{0xe0, 0, 0, 0xff}) {
		t.Errorf("top centre pixel %v: the image should fill the height", top)
	}
}

func TestTextSlideIsLargeAndWraps(t *testing.T) {
	r := newRig(t)
	body := "Satutunti lauantaisin kello yksitoista lastenosastolla, tervetuloa kuuntelemaan tarinoita koko perheen kanssa"
	r.show(&localapi.Signage{NowPlaying: &localapi.NowPlaying{ContentID: "c2", Kind: protocol.ContentText,
		Text: &protocol.TextSlide{Title: "Satutunti", Body: body, FG: "#ffffff", BG: "#003a70", Lang: "fi"}}})
	r.notBlack()
	var title *canvas.Text
	lines := 0
	uitest.Walk(r.win.Content(), func(o fyne.CanvasObject, _ fyne.Position) {
		if tx, ok := o.(*canvas.Text); ok {
			if tx.Text == "Satutunti" {
				title = tx
			} else {
				lines++
			}
		}
	})
	if title == nil || title.TextSize < 720/10 {
		t.Fatalf("title missing or small: %+v", title)
	}
	if lines < 2 {
		t.Errorf("the body did not wrap: %d lines", lines)
	}
	if !near(r.win.Canvas().Capture().At(5, 5), color.NRGBA{0x00, 0x3a, 0x70, 0xff}) {
		t.Error("the slide's background colour is not shown")
	}
}

func TestLiveSlides(t *testing.T) {
	next := time.Date(2026, 12, 7, 9, 30, 0, 0, time.UTC)
	cases := []struct {
		live string
		data protocol.LiveData
		want []string
	}{
		{protocol.LiveFreeComputers, protocol.LiveData{FreeComputers: 3, TotalComputers: 12}, []string{"Vapaat tietokoneet nyt", "3 / 12 vapaana"}},
		{protocol.LiveFreeComputers, protocol.LiveData{TotalComputers: 12, NextFreeAt: &next}, []string{"Kaikki tietokoneet ovat käytössä", "klo 11.30"}},
		{protocol.LiveOpeningHours, protocol.LiveData{Open: "08:00", Close: "16:00", Exception: "Itsenäisyyspäivän aatto"}, []string{"Avoinna 08:00–16:00", "Itsenäisyyspäivän aatto"}},
		{protocol.LiveOpeningHours, protocol.LiveData{Closed: true}, []string{"Suljettu tänään"}},
		{protocol.LiveSupport, protocol.LiveData{SupportHours: "10:00–16:00", VolunteerOnDuty: true}, []string{"Digituki", "Tänään 10:00–16:00", "Vapaaehtoinen on paikalla nyt"}},
	}
	for _, tc := range cases {
		r := newRig(t)
		d := tc.data
		r.show(&localapi.Signage{TZ: "Europe/Helsinki", NowPlaying: &localapi.NowPlaying{ContentID: "c3", Kind: protocol.ContentLive, Live: tc.live, LiveData: &d}})
		r.notBlack()
		got := r.texts()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q missing from %q", tc.live, w, got)
			}
		}
	}
}

func TestNoticeOverridesAndFallbackIsNeverBlack(t *testing.T) {
	r := newRig(t)
	r.show(&localapi.Signage{Notice: &localapi.SignageNotice{ID: "n1", Text: "Kirjasto suljetaan klo 15"},
		NowPlaying: &localapi.NowPlaying{ContentID: "c1", Kind: protocol.ContentImage, Path: squarePNG(t)}})
	if got := r.texts(); !strings.Contains(got, "Tiedote") || !strings.Contains(got, "Kirjasto suljetaan klo 15") {
		t.Errorf("notice texts %q", got)
	}
	if !near(r.notBlack().At(5, 5), noticeBG) {
		t.Error("the notice's colour is not shown")
	}

	r.show(&localapi.Signage{BranchName: "Kallio", TZ: "Europe/Helsinki"})
	r.notBlack()
	if got := r.texts(); !strings.Contains(got, "Kallio") || !strings.Contains(got, "10.00") {
		t.Errorf("fallback texts %q, want the branch and 10.00", got)
	}
	r.clock.Add(time.Minute)
	r.p.Tick()
	if got := r.texts(); !strings.Contains(got, "10.01") {
		t.Errorf("the clock did not move: %q", got)
	}

	// An image that cannot be read shows the fallback, not black.
	r.show(&localapi.Signage{BranchName: "Kallio", NowPlaying: &localapi.NowPlaying{ContentID: "c9", Kind: protocol.ContentImage, Path: filepath.Join(t.TempDir(), "gone.png")}})
	r.notBlack()
	if got := r.texts(); !strings.Contains(got, "Kallio") {
		t.Errorf("a missing image did not give the fallback: %q", got)
	}
}

func TestNoFlashing(t *testing.T) {
	r := newRig(t)
	r.show(&localapi.Signage{BranchName: "Kallio"})
	first := r.p.Shown()
	// Ten changes within 100 ms: none shows before MinChange has passed.
	for i := 0; i < 10; i++ {
		r.clock.Add(10 * time.Millisecond)
		r.p.Update(localapi.Status{Signage: &localapi.Signage{Notice: &localapi.SignageNotice{ID: "n" + string(rune('0'+i)), Text: "x"}}})
	}
	if r.p.Shown() != first {
		t.Fatalf("changed to %q within %v of the last change", r.p.Shown(), MinChange)
	}
	// The last one shows once the time has passed.
	r.clock.Add(MinChange)
	r.q.WaitFor(t, "the waiting change", func() bool { return strings.HasPrefix(r.p.Shown(), "notice:n9") })
}

func TestScreenshotOnRequest(t *testing.T) {
	r := newRig(t)
	var got []byte
	var gotID string
	r.p.OnScreenshot = func(id string, data []byte) { gotID, got = id, data }
	r.show(&localapi.Signage{BranchName: "Kallio", ScreenshotRequest: "cmd-1"})
	if gotID != "cmd-1" || len(got) == 0 {
		t.Fatalf("no screenshot for the request (id %q, %d bytes)", gotID, len(got))
	}
	img, err := png.Decode(bytes.NewReader(got))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 640 || b.Dy() < 360 {
		t.Errorf("screenshot is %v", b)
	}
	// The same request is answered once.
	got = nil
	r.show(&localapi.Signage{BranchName: "Kallio", ScreenshotRequest: "cmd-1"})
	if got != nil {
		t.Error("one request was answered twice")
	}
}
