package alerts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Contacts is who hears of new alerts: per branch (or "*" for every branch
// without its own) an e-mail address, a webhook, or both. It is the fleet
// operator's file, not a policy key, so a branch admin cannot make the
// fleet post to addresses of their choosing.
type Contacts struct {
	SMTP struct {
		// Addr is the mail relay, host:port.
		Addr string `yaml:"addr"`
		From string `yaml:"from"`
		// Username and PasswordFile log in to the relay when both are
		// set (over TLS, or to a relay on this machine).
		Username     string `yaml:"username"`
		PasswordFile string `yaml:"password_file"`
		password     string
	} `yaml:"smtp"`
	Branches map[string]Contact `yaml:"branches"`
}

// Contact is one branch's alert contact.
type Contact struct {
	Email   string `yaml:"email"`
	Webhook string `yaml:"webhook"`
}

// LoadContacts reads and checks a contacts file.
func LoadContacts(path string) (*Contacts, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("alert contacts: %w", err)
	}
	var c Contacts
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("alert contacts %s: %w", path, err)
	}
	if err := c.check(); err != nil {
		return nil, fmt.Errorf("alert contacts %s: %w", path, err)
	}
	if c.SMTP.PasswordFile != "" {
		pw, err := os.ReadFile(c.SMTP.PasswordFile)
		if err != nil {
			return nil, fmt.Errorf("alert contacts %s: smtp.password_file: %w", path, err)
		}
		c.SMTP.password = strings.TrimSpace(string(pw))
	}
	return &c, nil
}

func (c *Contacts) check() error {
	email := false
	for b, ct := range c.Branches {
		if ct.Email == "" && ct.Webhook == "" {
			return fmt.Errorf("branches.%s: give email, webhook or both", b)
		}
		if ct.Email != "" {
			if _, err := mail.ParseAddress(ct.Email); err != nil || strings.ContainsAny(ct.Email, "\r\n") {
				return fmt.Errorf("branches.%s.email: %q is not an e-mail address", b, ct.Email)
			}
			email = true
		}
		if ct.Webhook != "" {
			u, err := url.Parse(ct.Webhook)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return fmt.Errorf("branches.%s.webhook: %q is not an http(s) URL", b, ct.Webhook)
			}
		}
	}
	if email {
		if _, _, err := net.SplitHostPort(c.SMTP.Addr); err != nil {
			return fmt.Errorf("smtp.addr: e-mail contacts need the mail relay as host:port, got %q", c.SMTP.Addr)
		}
		if _, err := mail.ParseAddress(c.SMTP.From); err != nil || strings.ContainsAny(c.SMTP.From, "\r\n") {
			return fmt.Errorf("smtp.from: %q is not an e-mail address", c.SMTP.From)
		}
	}
	if (c.SMTP.Username == "") != (c.SMTP.PasswordFile == "") {
		return errors.New("smtp.username and smtp.password_file go together")
	}
	return nil
}

// of returns a branch's contact.
func (c *Contacts) of(branch string) (Contact, bool) {
	if ct, ok := c.Branches[branch]; ok {
		return ct, true
	}
	ct, ok := c.Branches["*"]
	return ct, ok
}

// Notifier sends alerts to contacts.
type Notifier struct {
	Contacts *Contacts
	Client   *http.Client
}

// NewNotifier returns a Notifier for contacts.
func NewNotifier(c *Contacts) *Notifier {
	return &Notifier{Contacts: c, Client: &http.Client{Timeout: 10 * time.Second}}
}

// Notify tells each branch's contact of the open alerts nobody was told
// of yet, one message per contact. Alerts whose message failed are tried
// again at the next call, as long as they stay open.
func (s *Service) Notify(ctx context.Context) error {
	if s.Notifier == nil || s.Notifier.Contacts == nil {
		return nil
	}
	list, err := s.Store.UnnotifiedAlerts(ctx, 500)
	if err != nil {
		return fmt.Errorf("alerts: unnotified: %w", err)
	}
	type batch struct {
		contact Contact
		views   []View
		ids     []int64
	}
	batches := map[Contact]*batch{}
	var done []int64
	for _, a := range list {
		ct, ok := s.Notifier.Contacts.of(a.Branch)
		if !ok {
			done = append(done, a.ID) // nobody to tell
			continue
		}
		b := batches[ct]
		if b == nil {
			b = &batch{contact: ct}
			batches[ct] = b
		}
		b.views = append(b.views, viewOf(a))
		b.ids = append(b.ids, a.ID)
	}
	var errs []error
	for _, b := range batches {
		sent := true
		if b.contact.Email != "" {
			err := s.Notifier.email(b.contact.Email, b.views)
			s.Metrics.notified("email", err)
			if err != nil {
				sent = false
				errs = append(errs, err)
			}
		}
		if b.contact.Webhook != "" {
			err := s.Notifier.webhook(ctx, b.contact.Webhook, b.views)
			s.Metrics.notified("webhook", err)
			if err != nil {
				sent = false
				errs = append(errs, err)
			}
		}
		if sent {
			done = append(done, b.ids...)
		}
	}
	if err := s.Store.MarkNotified(ctx, done, s.Now()); err != nil {
		errs = append(errs, fmt.Errorf("alerts: mark notified: %w", err))
	}
	return errors.Join(errs...)
}

// webhook posts {"alerts": [...]} as JSON and wants a 2xx answer.
func (n *Notifier) webhook(ctx context.Context, target string, views []View) error {
	body, _ := json.Marshal(map[string]any{"alerts": views})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("alerts: webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "piste-fleet")
	res, err := n.Client.Do(req)
	if err != nil {
		return fmt.Errorf("alerts: webhook %s: %w", req.URL.Host, err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("alerts: webhook %s answered %s", req.URL.Host, res.Status)
	}
	return nil
}

// email sends one plain-text message listing the alerts.
func (n *Notifier) email(to string, views []View) error {
	c := n.Contacts.SMTP
	sort.Slice(views, func(i, j int) bool { return views[i].ID < views[j].ID })
	subject := fmt.Sprintf("Piste: %d new alert(s) in %s", len(views), views[0].Branch)
	var body strings.Builder
	fmt.Fprintf(&body, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		c.From, to, oneLine(subject), time.Now().Format(time.RFC1123Z))
	for _, v := range views {
		fmt.Fprintf(&body, "%s on terminal %s (branch %s), since %s:\r\n  %s\r\n\r\n",
			v.Kind, v.TerminalID, v.Branch, v.OpenedAt.UTC().Format(time.RFC3339), oneLine(v.Detail))
	}
	var auth smtp.Auth
	if c.Username != "" {
		host, _, _ := net.SplitHostPort(c.Addr)
		auth = smtp.PlainAuth("", c.Username, c.password, host)
	}
	from, _ := mail.ParseAddress(c.From)
	rcpt, _ := mail.ParseAddress(to)
	if err := smtp.SendMail(c.Addr, auth, from.Address, []string{rcpt.Address}, []byte(body.String())); err != nil {
		return fmt.Errorf("alerts: e-mail to %s via %s: %w", rcpt.Address, c.Addr, err)
	}
	return nil
}

// oneLine keeps text on one line, so no detail can start a header or end
// the message.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}
