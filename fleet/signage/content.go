package signage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"piste/fleet/fault"
	"piste/fleet/protocol"
	"piste/fleet/staff"
	"piste/fleet/store"
)

// Content is an item as editors see it.
type Content struct {
	ID     string              `json:"id"`
	Kind   string              `json:"kind"`
	Title  string              `json:"title"`
	SHA256 string              `json:"sha256"`
	Size   int64               `json:"size,omitempty"`
	Width  int                 `json:"width,omitempty"`
	Height int                 `json:"height,omitempty"`
	Text   *protocol.TextSlide `json:"text,omitempty"`
	Live   string              `json:"live,omitempty"`
}

// SlideRequest makes a text or live slide.
type SlideRequest struct {
	Kind  string `json:"kind"` // text | live
	Title string `json:"title"`
	Body  string `json:"body"`
	Lang  string `json:"lang"`
	FG    string `json:"fg"`
	BG    string `json:"bg"`
	// Image is the id of an image item shown beside the text.
	Image string `json:"image"`
	// Live is the source of a live slide: free_computers, opening_hours or support.
	Live string `json:"live"`
}

var liveSources = []string{protocol.LiveFreeComputers, protocol.LiveOpeningHours, protocol.LiveSupport}

// Upload checks and stores an image; the same bytes uploaded again by the
// same owner give the same item.
func (s *Service) Upload(ctx context.Context, m staff.Member, title string, r io.Reader) (Content, error) {
	if err := needEditor(m); err != nil {
		return Content{}, err
	}
	img, err := CheckImage(r)
	if err != nil {
		if errors.Is(err, ErrNotImage) || errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooBig) ||
			errors.Is(err, ErrBomb) || errors.Is(err, ErrCorrupted) {
			return Content{}, fault.Field("file", "%s", err.Error())
		}
		return Content{}, err
	}
	title = strings.TrimSpace(title)
	if utf8.RuneCountInString(title) > 200 {
		return Content{}, fault.Field("title", "title must be at most 200 characters")
	}
	if err := s.writeBlob(img.SHA256, img.Data); err != nil {
		return Content{}, err
	}
	c := store.SignageContent{Owner: ownerOf(m), Kind: protocol.ContentImage, Title: title, SHA256: img.SHA256,
		Size: int64(len(img.Data)), Width: img.Width, Height: img.Height, Data: "{}", CreatedBy: m.Name, CreatedAt: s.Now()}
	id, err := s.Store.AddSignageContent(ctx, c)
	if err != nil {
		return Content{}, err
	}
	c.ID = id
	if err := s.record(ctx, m, "signage.upload", contentID(id), img.SHA256); err != nil {
		return Content{}, err
	}
	return view(c), nil
}

// MakeSlide stores a text or live slide.
func (s *Service) MakeSlide(ctx context.Context, m staff.Member, req SlideRequest) (Content, error) {
	if err := needEditor(m); err != nil {
		return Content{}, err
	}
	title := strings.TrimSpace(req.Title)
	if utf8.RuneCountInString(title) > 120 {
		return Content{}, fault.Field("title", "title must be at most 120 characters")
	}
	var data any
	switch req.Kind {
	case protocol.ContentText:
		slide, err := s.textSlide(ctx, m, req, title)
		if err != nil {
			return Content{}, err
		}
		data = slide
	case protocol.ContentLive:
		if !slices.Contains(liveSources, req.Live) {
			return Content{}, fault.Field("live", "live must be one of %s", strings.Join(liveSources, ", "))
		}
		data = map[string]string{"live": req.Live, "lang": req.Lang}
	default:
		return Content{}, fault.Field("kind", "kind must be text or live (upload images as a multipart file)")
	}
	raw, _ := json.Marshal(data)
	sum := sha256.Sum256(raw)
	c := store.SignageContent{Owner: ownerOf(m), Kind: req.Kind, Title: title, SHA256: hex.EncodeToString(sum[:]),
		Data: string(raw), CreatedBy: m.Name, CreatedAt: s.Now()}
	id, err := s.Store.AddSignageContent(ctx, c)
	if err != nil {
		return Content{}, err
	}
	c.ID = id
	if err := s.record(ctx, m, "signage.slide", contentID(id), req.Kind); err != nil {
		return Content{}, err
	}
	return view(c), nil
}

func (s *Service) textSlide(ctx context.Context, m staff.Member, req SlideRequest, title string) (protocol.TextSlide, error) {
	slide := protocol.TextSlide{Title: title, Body: strings.TrimSpace(req.Body), Lang: req.Lang, FG: strings.ToLower(req.FG), BG: strings.ToLower(req.BG)}
	if slide.Title == "" {
		return slide, fault.Field("title", "a text slide needs a title")
	}
	if utf8.RuneCountInString(slide.Body) > 600 {
		return slide, fault.Field("body", "body must be at most 600 characters: a screen is read in passing")
	}
	if !slices.Contains([]string{"fi", "sv", "en"}, slide.Lang) {
		return slide, fault.Field("lang", "lang must be fi, sv or en")
	}
	if slide.FG == "" && slide.BG == "" {
		slide.FG, slide.BG = "#ffffff", "#003a70"
	}
	ratio, err := Contrast(slide.FG, slide.BG)
	if err != nil {
		return slide, fault.Field("fg", "%s", err.Error())
	}
	if ratio < MinContrast {
		return slide, fault.Field("fg", "text and background contrast is %.2f:1; at least %.1f:1 is needed so everyone can read it", ratio, MinContrast)
	}
	if req.Image != "" {
		img, err := s.content(ctx, m, req.Image)
		if err != nil {
			return slide, err
		}
		if img.Kind != protocol.ContentImage {
			return slide, fault.Field("image", "image must name an image item, %s is a %s slide", req.Image, img.Kind)
		}
		slide.Image = img.SHA256
	}
	return slide, nil
}

// content loads an item the member may use.
func (s *Service) content(ctx context.Context, m staff.Member, id string) (store.SignageContent, error) {
	n, ok := parseID("c", id)
	if !ok {
		return store.SignageContent{}, fault.NotFound("content %q not found", id)
	}
	c, err := s.Store.SignageContentByID(ctx, n)
	if errors.Is(err, store.ErrNotFound) || err == nil && !visible(m, c.Owner) {
		return c, fault.NotFound("content %q not found", id)
	}
	return c, err
}

// ListContent returns the items a member may use.
func (s *Service) ListContent(ctx context.Context, m staff.Member) ([]Content, error) {
	if err := needEditor(m); err != nil {
		return nil, err
	}
	all, err := s.Store.SignageContentList(ctx)
	if err != nil {
		return nil, err
	}
	var out []Content
	for _, c := range all {
		if visible(m, c.Owner) {
			out = append(out, view(c))
		}
	}
	return out, nil
}

func view(c store.SignageContent) Content {
	v := Content{ID: contentID(c.ID), Kind: c.Kind, Title: c.Title, SHA256: c.SHA256, Size: c.Size, Width: c.Width, Height: c.Height}
	switch c.Kind {
	case protocol.ContentText:
		var t protocol.TextSlide
		if json.Unmarshal([]byte(c.Data), &t) == nil {
			v.Text = &t
		}
	case protocol.ContentLive:
		var l struct{ Live string }
		if json.Unmarshal([]byte(c.Data), &l) == nil {
			v.Live = l.Live
		}
	}
	return v
}

// Item is the manifest item of a content row.
func item(c store.SignageContent) protocol.ManifestItem {
	v := view(c)
	it := protocol.ManifestItem{ID: v.ID, Kind: v.Kind, SHA256: v.SHA256, Text: v.Text, Live: v.Live}
	if c.Kind == protocol.ContentImage {
		it.Size = c.Size
	}
	return it
}

// FileFor returns the stored file of an image item the member may use.
func (s *Service) FileFor(ctx context.Context, m staff.Member, id string) (string, error) {
	if err := needEditor(m); err != nil {
		return "", err
	}
	c, err := s.content(ctx, m, id)
	if err != nil {
		return "", err
	}
	if c.Kind != protocol.ContentImage {
		return "", fault.NotFound("content %q has no file", id)
	}
	return s.ContentPath(c.SHA256)
}
