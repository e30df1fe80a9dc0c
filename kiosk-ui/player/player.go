// Package player is the kiosk UI of an info screen: it shows full screen
// what the agent's signage status says is playing — images letterboxed,
// text and live slides in large type, an urgent notice over everything —
// and a fallback slide with the branch's name and the time when nothing
// is scheduled, so the screen is never black or frozen. It decides
// nothing: the agent evaluates the schedule and keeps the proof of play.
package player

import (
	"bytes"
	"image"
	"image/color"
	_ "image/jpeg" // the formats the fleet accepts
	"image/png"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
)

// MinChange is the least time between two changes of what shows: at most
// two a second, below the three flashes a second that may trigger seizures
// (WCAG 2.3.1). A change that comes sooner waits.
const MinChange = 500 * time.Millisecond

// Colours of the player's own slides: each pair well above 4.5:1.
var (
	brandBG   = color.NRGBA{0x00, 0x3a, 0x70, 0xff}
	brandFG   = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	noticeBG  = color.NRGBA{0xff, 0xd4, 0x00, 0xff}
	noticeFG  = color.NRGBA{0x00, 0x00, 0x00, 0xff}
	letterbox = color.NRGBA{0x10, 0x10, 0x10, 0xff}
)

// Player shows a screen's signage.
type Player struct {
	// Do runs f on the UI goroutine (fyne.Do in the app).
	Do  func(func())
	Now func() time.Time

	root    *fyne.Container
	shown   string // what shows: a key of the slide
	lastAt  time.Time
	pending *localapi.Status
	timer   *time.Timer
	st      localapi.Status
	clock   *canvas.Text // the fallback slide's clock, ticking
	// fallbackW is the fallback slide while it shows.
	fallbackW *fallbackSlide
	// OnScreenshot is given the PNG of the screen for each screenshot an
	// admin asks for; it runs on the UI goroutine and must not block.
	OnScreenshot func(id string, png []byte)
	lastShot     string
}

// New returns a Player showing the fallback slide.
func New(do func(func()), now func() time.Time) *Player {
	if now == nil {
		now = time.Now
	}
	p := &Player{Do: do, Now: now, root: container.NewStack()}
	p.render(localapi.Status{})
	return p
}

// Object is the player's content.
func (p *Player) Object() fyne.CanvasObject { return p.root }

// Update shows st, no sooner than MinChange after the last change; it
// runs on the UI goroutine.
func (p *Player) Update(st localapi.Status) {
	p.st = st
	if sg := st.Signage; sg != nil && sg.ScreenshotRequest != "" && sg.ScreenshotRequest != p.lastShot {
		p.lastShot = sg.ScreenshotRequest
		p.screenshot(sg.ScreenshotRequest)
	}
	key := slideKey(st)
	if key == p.shown {
		return
	}
	now := p.Now()
	if wait := MinChange - now.Sub(p.lastAt); wait > 0 && !p.lastAt.IsZero() {
		p.pending = &st
		if p.timer == nil {
			p.timer = time.AfterFunc(wait, func() {
				p.Do(func() {
					p.timer = nil
					if p.pending != nil {
						next := *p.pending
						p.pending = nil
						p.Update(next)
					}
				})
			})
		}
		return
	}
	p.render(st)
	p.shown, p.lastAt = key, now
}

// Tick moves the fallback slide's clock; call it every second.
func (p *Player) Tick() {
	if p.clock != nil && p.fallbackW != nil {
		p.clock.Text = p.clockText()
		p.fallbackW.Refresh()
	}
}

// Shown names what is on screen: "notice:ID", "item:ID@since" or "fallback".
func (p *Player) Shown() string { return p.shown }

func slideKey(st localapi.Status) string {
	sg := st.Signage
	switch {
	case sg == nil:
		return "fallback"
	case sg.Notice != nil:
		return "notice:" + sg.Notice.ID + ":" + sg.Notice.Text
	case sg.NowPlaying != nil:
		np := sg.NowPlaying
		key := "item:" + np.ContentID + "@" + np.Since.String()
		if np.LiveData != nil {
			key += liveKey(*np.LiveData)
		}
		return key
	}
	return "fallback:" + sg.BranchName
}

func liveKey(d protocol.LiveData) string {
	var b strings.Builder
	b.WriteString(d.Open + d.Close + d.SupportHours + d.Exception)
	b.WriteByte(byte('0' + d.FreeComputers%10))
	if d.VolunteerOnDuty {
		b.WriteByte('v')
	}
	if d.NextFreeAt != nil {
		b.WriteString(d.NextFreeAt.String())
	}
	return b.String()
}

func (p *Player) lang() string {
	if i18n.Supported(p.st.Language) {
		return p.st.Language
	}
	return "fi"
}

// render replaces what shows. An image that will not load gives the
// fallback slide rather than a black screen.
func (p *Player) render(st localapi.Status) {
	p.clock, p.fallbackW = nil, nil
	sg := st.Signage
	var obj fyne.CanvasObject
	switch {
	case sg == nil:
		obj = p.fallback("")
	case sg.Notice != nil:
		obj = slide(noticeBG, noticeFG, i18n.T(p.lang(), "player.notice"), sg.Notice.Text, "")
	case sg.NowPlaying != nil:
		obj = p.item(sg.NowPlaying)
	}
	if obj == nil {
		name := ""
		if sg != nil {
			name = sg.BranchName
		}
		obj = p.fallback(name)
	}
	p.root.Objects = []fyne.CanvasObject{obj}
	p.root.Refresh()
}

func (p *Player) item(np *localapi.NowPlaying) fyne.CanvasObject {
	switch np.Kind {
	case protocol.ContentImage:
		return imageSlide(np.Path)
	case protocol.ContentText:
		if np.Text == nil {
			return nil
		}
		fg, bg := parseHex(np.Text.FG, brandFG), parseHex(np.Text.BG, brandBG)
		return slide(bg, fg, np.Text.Title, np.Text.Body, np.ImagePath)
	case protocol.ContentLive:
		if np.LiveData == nil {
			return nil
		}
		title, body := p.liveText(np.Live, *np.LiveData)
		return slide(brandBG, brandFG, title, body, "")
	}
	return nil
}

// imageSlide letterboxes an image: all of it shows, centred, at the
// largest size that fits, on a dark band.
func imageSlide(path string) fyne.CanvasObject {
	if path == "" {
		return nil
	}
	// A file that will not decode would draw nothing: the fallback instead.
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	_, _, err = image.DecodeConfig(f)
	f.Close()
	if err != nil {
		return nil
	}
	img := canvas.NewImageFromFile(path)
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScaleSmooth
	return container.NewStack(canvas.NewRectangle(letterbox), img)
}

func (p *Player) fallback(branch string) fyne.CanvasObject {
	if branch == "" {
		branch = "Piste"
	}
	p.clock = canvas.NewText(p.clockText(), brandFG)
	p.clock.TextStyle = fyne.TextStyle{Bold: true}
	name := canvas.NewText(branch, brandFG)
	p.fallbackW = newFallback(name, p.clock)
	return p.fallbackW
}

func (p *Player) clockText() string {
	loc := time.Local
	if p.st.Signage != nil && p.st.Signage.TZ != "" {
		if l, err := time.LoadLocation(p.st.Signage.TZ); err == nil {
			loc = l
		}
	}
	return p.Now().In(loc).Format("15.04")
}

func (p *Player) liveText(source string, d protocol.LiveData) (string, string) {
	l := p.lang()
	hhmm := func(t time.Time) string {
		loc := time.Local
		if p.st.Signage != nil {
			if z, err := time.LoadLocation(p.st.Signage.TZ); err == nil {
				loc = z
			}
		}
		return t.In(loc).Format("15.04")
	}
	switch source {
	case protocol.LiveFreeComputers:
		body := i18n.T(l, "player.free.count", d.FreeComputers, d.TotalComputers)
		if d.FreeComputers == 0 {
			body = i18n.T(l, "player.free.none")
			if d.NextFreeAt != nil {
				body += "\n" + i18n.T(l, "player.free.next", hhmm(*d.NextFreeAt))
			}
		}
		return i18n.T(l, "player.free.title"), body
	case protocol.LiveOpeningHours:
		body := i18n.T(l, "player.hours.closed")
		if !d.Closed {
			body = i18n.T(l, "player.hours.open", d.Open, d.Close)
		}
		if d.Exception != "" {
			body += "\n" + d.Exception
		}
		return i18n.T(l, "player.hours.title"), body
	case protocol.LiveSupport:
		body := i18n.T(l, "player.support.none")
		if d.SupportHours != "" {
			body = i18n.T(l, "player.support.hours", d.SupportHours)
		}
		if d.VolunteerOnDuty {
			body += "\n" + i18n.T(l, "player.support.on_duty")
		} else {
			body += "\n" + i18n.T(l, "player.support.off_duty")
		}
		return i18n.T(l, "player.support.title"), body
	}
	return "", ""
}

func parseHex(s string, def color.NRGBA) color.NRGBA {
	var r, g, b uint8
	if len(s) != 7 || s[0] != '#' {
		return def
	}
	n, err := fmtSscanf(s[1:], &r, &g, &b)
	if err != nil || n != 3 {
		return def
	}
	return color.NRGBA{r, g, b, 0xff}
}

// screenshot captures what the screen shows and hands it to OnScreenshot.
func (p *Player) screenshot(id string) {
	if p.OnScreenshot == nil {
		return
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(p.root)
	if c == nil {
		return
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, c.Capture()); err != nil {
		return
	}
	p.OnScreenshot(id, buf.Bytes())
}
