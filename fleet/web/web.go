// Package web serves the fleet's staff web pages: login, the live terminal
// list and a terminal's detail page. Pages are server-rendered templates;
// a little plain JavaScript talks to the JSON API for live updates and
// actions, so a strict Content-Security-Policy holds (no inline script or
// style anywhere).
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"

	"piste/fleet/alerts"
	"piste/fleet/guestpasses"
	"piste/fleet/help"
	"piste/fleet/httpio"
	"piste/fleet/overview"
	"piste/fleet/releases"
	"piste/fleet/signage"
	"piste/fleet/staff"
	"piste/fleet/terminals"
	"piste/fleet/web/i18n"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Services are the domain services the pages adapt.
type Services struct {
	Staff        *staff.Service
	Terminals    *terminals.Service
	GuestPasses  *guestpasses.Service
	Help         *help.Service
	Alerts       *alerts.Service
	Overview     *overview.Service
	Signage      *signage.Service
	Releases     *releases.Service
	SecureCookie bool // the session cookie's Secure flag (TLS)
	Console
}

// Pages holds the web pages' dependencies.
type Pages struct {
	Services
	Log *slog.Logger
	// tmpl holds each page's template per language: the t and texts
	// functions are bound to the language when the templates are parsed.
	tmpl map[string]map[string]*template.Template
	// assetVersion is appended to static URLs so browsers may cache them
	// for ever and still pick up a new build at once.
	assetVersion string
}

// Register adds the staff pages to mux. The API must already be registered
// on the same mux: the pages' scripts call it.
func Register(mux *http.ServeMux, s Services, log *slog.Logger) *Pages {
	p := New(s, log)
	mux.HandleFunc("GET /login", p.login)
	mux.HandleFunc("POST /login", p.loginWithoutScript)
	mux.HandleFunc("POST /logout", p.logout)
	mux.HandleFunc("GET /static/", p.static)
	mux.Handle("GET /{$}", p.admin(p.terminals))
	mux.Handle("GET /terminals/{id}", p.admin(p.terminal))
	mux.Handle("GET /overview", p.admin(p.overview))
	mux.Handle("GET /guest-passes", p.admin(p.guestPassForm))
	mux.Handle("POST /guest-passes", p.admin(p.guestPassBatch))
	p.registerHelp(mux)
	p.registerConsole(mux)
	p.registerSignage(mux)
	if s.Releases != nil {
		mux.Handle("GET /updates", p.admin(p.updates))
		mux.Handle("POST /updates/rollouts/{id}/{action}", p.admin(p.steerRollout))
	}
	// "/" rather than "GET /": a method-less catch-all does not collide
	// with the API's own catch-all under /api/v1/.
	mux.HandleFunc("/", p.notFound)
	return p
}

// New parses the embedded templates; they are part of the binary, so a
// broken one is a build mistake and panics at start-up.
func New(s Services, log *slog.Logger) *Pages {
	p := &Pages{Services: s, Log: log, tmpl: map[string]map[string]*template.Template{}, assetVersion: hashFS(staticFS)}
	for _, lang := range i18n.Languages {
		funcs := template.FuncMap{
			"asset":    p.asset,
			"blankRow": func() Row { return Row{} },
			"t":        func(key string, args ...any) string { return i18n.Catalog.T(lang, key, args...) },
			"texts":    func(prefix string) (template.JS, error) { return pageTexts(lang, prefix) },
			"ago":      func(ms int64, now time.Time) string { return agoText(lang, ms, now) },
			"rowOf":    func(r Row, now time.Time) rowView { return rowView{Row: r, Now: now} },
		}
		base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/rows.html"))
		p.tmpl[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			t := template.Must(base.Clone())
			p.tmpl[lang][name] = template.Must(t.ParseFS(templateFS, "templates/"+name+".html"))
		}
	}
	return p
}

func hashFS(fsys fs.FS) string {
	h := sha256.New()
	fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := fs.ReadFile(fsys, path)
			h.Write([]byte(path))
			h.Write(b)
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func (p *Pages) asset(name string) string {
	return "/static/" + name + "?v=" + p.assetVersion
}

func (p *Pages) static(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("v") == p.assetVersion {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.FileServerFS(staticFS).ServeHTTP(w, r)
}

// pageNames are the page templates, each with the layout.
var pageNames = []string{"login", "terminals", "terminal", "noadmin", "notfound", "guestpasses", "help", "helpstats", "overview", "signage", "signagepreview", "updates"}

// pageTexts is a page script's texts: every text whose key starts with
// prefix, as JSON for a <script type="application/json" id="texts">
// block, which common.js's T reads. A plural text's forms come as
// "key#one", "key#other", ….
func pageTexts(lang, prefix string) (template.JS, error) {
	b, err := json.Marshal(map[string]any{"lang": lang, "texts": i18n.WithPrefix(lang, prefix)})
	return template.JS(b), err
}

// view is what every page template receives.
type view struct {
	// Title is the page's title, or a catalogue key for it.
	Title  string
	Lang   string     // the page's language, set by render
	Langs  []langLink // the language switcher, set by render
	User   staff.Member
	Script string // the page's script, if any
	Now    time.Time
	Error  string // shown at the top of the page
	Data   any
}

// langLink is one language in the switcher: the page itself in it.
type langLink struct {
	Code, Name, Href string
	Current          bool
}

// languages picks the request's language, remembers a chosen one, and
// links the same page in every language.
func (p *Pages) languages(w http.ResponseWriter, r *http.Request) (string, []langLink) {
	lang, chosen := i18n.FromRequest(r)
	if chosen {
		i18n.Remember(w, lang, p.SecureCookie)
	}
	var links []langLink
	for _, code := range i18n.Languages {
		q := r.URL.Query()
		q.Set("lang", code)
		links = append(links, langLink{Code: code, Name: i18n.Names[code], Href: "?" + q.Encode(), Current: code == lang})
	}
	return lang, links
}

// render executes a page in the request's language into a buffer first,
// so a template error becomes a clean 500 and not half a page.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	v.Lang, v.Langs = p.languages(w, r)
	if i18n.Catalog.Has(v.Lang, v.Title) {
		v.Title = i18n.Catalog.T(v.Lang, v.Title)
	}
	if i18n.Catalog.Has(v.Lang, v.Error) {
		v.Error = i18n.Catalog.T(v.Lang, v.Error)
	}
	var buf bytes.Buffer
	if err := p.tmpl[v.Lang][name].ExecuteTemplate(&buf, "layout.html", v); err != nil {
		p.Log.Error("render page", "page", name, "err", err)
		http.Error(w, "the page could not be rendered; see the fleet log", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// admin admits logged-in admins; anyone else logged in gets a plain page
// saying their role has no pages here yet, and strangers go to the login.
func (p *Pages) admin(next func(http.ResponseWriter, *http.Request, staff.Member)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := p.authenticate(w, r)
		if !ok {
			return
		}
		if u.MustChangePassword {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		if home := roleHome(u.Role); home != "/" && r.URL.Path == "/" {
			// A volunteer's home is the help queue, an editor's the signage.
			http.Redirect(w, r, home, http.StatusSeeOther)
			return
		}
		if u.Need(staff.RoleAdmin) != nil {
			p.noPages(w, r, u)
			return
		}
		next(w, r, u)
	})
}

// staffOnly admits logged-in staff of the given roles: strangers go to the
// login, anyone with a reset password to /password first, and other roles
// get the page listing what their role does have.
func (p *Pages) staffOnly(next func(http.ResponseWriter, *http.Request, staff.Member), roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := p.authenticate(w, r)
		if !ok {
			return
		}
		if u.MustChangePassword {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		if u.Need(roles...) != nil {
			p.noPages(w, r, u)
			return
		}
		next(w, r, u)
	})
}

// rolePage is a page a role may open, as the "no pages for your role"
// page links it: its path and the catalogue key of its name.
type rolePage struct{ Href, Name string }

// rolePages lists the pages a role has on this site.
func rolePages(role string) []rolePage {
	switch role {
	case staff.RoleVolunteer:
		return []rolePage{{"/help", "help.nav.queue"}}
	case staff.RoleEditor:
		return []rolePage{{"/signage", "layout.nav.signage"}}
	case staff.RoleAdmin:
		return []rolePage{{"/", "layout.nav.terminals"}, {"/help", "help.nav.queue"}, {"/signage", "layout.nav.signage"}}
	}
	return nil
}

// roleHome is where a role lands on "/": its first page.
func roleHome(role string) string {
	if pages := rolePages(role); len(pages) > 0 {
		return pages[0].Href
	}
	return "/"
}

// noPages answers a page the member's role may not open, linking the
// pages it may.
func (p *Pages) noPages(w http.ResponseWriter, r *http.Request, u staff.Member) {
	p.render(w, r, http.StatusForbidden, "noadmin", view{Title: "staff.noadmin.page_title", User: u, Data: rolePages(u.Role)})
}

// authenticate finds the member behind the session cookie; strangers are
// sent to the login page.
func (p *Pages) authenticate(w http.ResponseWriter, r *http.Request) (staff.Member, bool) {
	u, err := p.Staff.Authenticate(r.Context(), httpio.Token(r))
	if err == nil {
		return u, true
	}
	if httpio.Status(err) == http.StatusUnauthorized {
		redirectToLogin(w, r)
	} else {
		p.internal(w, "authenticate", err)
	}
	return u, false
}

func redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.URL.Path != "/" || r.URL.RawQuery != "" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site: a local path, or "/".
// Browsers forgive much in a URL (they drop tabs and newlines, read "\" as
// "/"), so anything with control characters or backslashes, anything
// scheme-relative ("//host", "/\host"), and anything that parses with a
// scheme, a host or user info is refused rather than cleaned.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsRune(next, '\\') {
		return "/"
	}
	for _, c := range next {
		if unicode.IsControl(c) || unicode.IsSpace(c) && c != ' ' || unicode.Is(unicode.Cf, c) {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return next
}

func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, err := p.Staff.Authenticate(r.Context(), httpio.Token(r)); err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	p.render(w, r, http.StatusOK, "login", view{Title: "staff.login.title", Script: "login.js", Data: next})
}

// loginWithoutScript answers the login form posted by a browser that did
// not run login.js, which talks to the JSON login: there is one login path,
// with one rate limit, not two.
func (p *Pages) loginWithoutScript(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusBadRequest, "login", view{Title: "staff.login.title", Script: "login.js", Data: "/",
		Error: "staff.login.needs_js"})
}

// logout ends the session server-side, so the page needs no script for it.
// Another site cannot log a user out by posting here: the session cookie
// is SameSite=Strict, and httpio.SameOrigin refuses cross-site writes.
func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(staff.SessionCookie); err == nil {
		if err := p.Staff.Logout(r.Context(), c.Value); err != nil {
			p.internal(w, "logging out", err)
			return
		}
	}
	httpio.ClearSession(w, p.SecureCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (p *Pages) notFound(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	u, ok := p.authenticate(w, r)
	if !ok {
		return
	}
	p.render(w, r, http.StatusNotFound, "notfound", view{Title: "staff.notfound.title", User: u, Data: r.URL.Path})
}
