package screens

import (
	"context"
	"slices"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"piste/agent/localapi"
	"piste/fleet/protocol"
	"piste/kiosk-ui/i18n"
)

// topicKeys are the texts of the shipped topic ids; a branch's own topic
// is shown as its id.
var topicKeys = map[string]string{
	"email": "help.topic.email", "eservices": "help.topic.eservices", "printing": "help.topic.printing",
	"device": "help.topic.device", "forms": "help.topic.forms", "other": "help.topic.other",
}

func topicText(lang, id string) string {
	if k, ok := topicKeys[id]; ok {
		return i18n.T(lang, k)
	}
	return id
}

// languageNames are the help languages in their own words.
var languageNames = map[string]string{"fi": "Suomi", "sv": "Svenska", "en": "English"}

// helpForm asks what the visitor needs help with.
type helpForm struct {
	env      *Env
	lang     string
	title    *widget.Label
	topic    *widget.RadioGroup
	language *widget.RadioGroup
	noteText *widget.Label
	note     *Entry
	send     *Button
	close    *Button
	topics   []string // ids, in the order shown
	obj      *fyne.Container
	done     func(error)
}

func newHelpForm(env *Env, done func(error), closed func()) *helpForm {
	f := &helpForm{env: env, title: heading(), noteText: text(widget.MediumImportance), done: done}
	f.topic = widget.NewRadioGroup(nil, func(string) { f.enableSend() })
	f.language = widget.NewRadioGroup(nil, nil)
	f.language.Horizontal = true
	f.note = newEntry(env, false)
	f.note.MultiLine = true
	f.note.Wrapping = fyne.TextWrapWord
	f.note.SetMinRowsVisible(2)
	f.note.OnChanged = func(s string) {
		if utf8.RuneCountInString(s) > protocol.MaxHelpNote {
			f.note.SetText(string([]rune(s)[:protocol.MaxHelpNote]))
		}
	}
	f.send = newButton(env, f.submit)
	f.send.Importance = widget.HighImportance
	f.close = newButton(env, closed)
	f.obj = container.NewVBox(f.title, f.topic, f.language, f.noteText, f.note,
		container.New(layout.NewRowWrapLayout(), f.send, f.close))
	f.obj.Hide()
	return f
}

// update shows the form's texts in lang and the branch's topics.
func (f *helpForm) update(lang string, st localapi.Status) {
	f.lang = lang
	setText(f.title, i18n.T(lang, "help.form.title"))
	setText(f.noteText, i18n.T(lang, "help.form.note", protocol.MaxHelpNote))
	f.note.SetPlaceHolder(i18n.T(lang, "help.form.note_hint"))
	f.send.SetText(i18n.T(lang, "help.form.send"))
	f.close.SetText(i18n.T(lang, "help.form.close"))
	var topics []string
	if st.HelpSupport != nil {
		topics = st.HelpSupport.Topics
	}
	if len(topics) == 0 {
		topics = []string{"email", "eservices", "printing", "device", "forms", "other"}
	}
	chosen := f.chosenTopic()
	f.topics = slices.Clone(topics)
	labels := make([]string, len(topics))
	for i, id := range topics {
		labels[i] = topicText(lang, id)
	}
	if !slices.Equal(f.topic.Options, labels) {
		f.topic.Options = labels
		f.topic.Selected = ""
		if i := slices.Index(f.topics, chosen); i >= 0 {
			f.topic.Selected = labels[i]
		}
		f.topic.Refresh()
	}
	if len(f.language.Options) == 0 {
		for _, l := range protocol.HelpLanguages {
			f.language.Options = append(f.language.Options, languageNames[l])
		}
		f.language.Refresh()
	}
	noOne := st.HelpSupport != nil && st.HelpSupport.OnDuty == 0
	showIf(f.topic, !noOne)
	showIf(f.language, !noOne)
	showIf(f.noteText, !noOne)
	showIf(f.note, !noOne)
	showIf(f.send, !noOne)
	f.enableSend()
}

// open shows the form afresh, in the visitor's language.
func (f *helpForm) open(lang string, st localapi.Status) {
	f.note.SetText("")
	f.topic.SetSelected("")
	f.language.SetSelected(languageNames[lang])
	f.update(lang, st)
	f.obj.Show()
	f.env.focus(f.note)
}

func (f *helpForm) chosenTopic() string {
	i := slices.Index(f.topic.Options, f.topic.Selected)
	if i < 0 || i >= len(f.topics) {
		return ""
	}
	return f.topics[i]
}

func (f *helpForm) chosenLanguage() string {
	for code, name := range languageNames {
		if name == f.language.Selected {
			return code
		}
	}
	return f.lang
}

func (f *helpForm) enableSend() { enable(f.send, f.chosenTopic() != "") }

func (f *helpForm) submit() {
	req := localapi.HelpRequest{Topic: f.chosenTopic(), Language: f.chosenLanguage(), Note: f.note.Text}
	if req.Topic == "" {
		return
	}
	f.send.Disable()
	f.env.run(func(ctx context.Context) error { return f.env.Agent.RequestHelp(ctx, req) }, func(err error) {
		f.enableSend()
		if err == nil {
			f.obj.Hide()
		}
		f.done(err)
	})
}

// helpChat is the chat with the volunteer who claimed the request.
type helpChat struct {
	env      *Env
	lang     string
	messages *fyne.Container
	entry    *Entry
	send     *Button
	obj      *fyne.Container
	shown    int
	done     func(error)
}

// chatShown is how many of the latest messages the kiosk shows.
const chatShown = 6

func newHelpChat(env *Env, done func(error)) *helpChat {
	c := &helpChat{env: env, messages: container.NewVBox(), entry: newEntry(env, false), done: done}
	c.entry.OnSubmitted = func(string) { c.submit() }
	c.entry.OnChanged = func(s string) {
		if utf8.RuneCountInString(s) > protocol.MaxHelpMessage {
			c.entry.SetText(string([]rune(s)[:protocol.MaxHelpMessage]))
		}
	}
	c.send = newButton(env, c.submit)
	c.obj = container.NewVBox(c.messages, container.NewBorder(nil, nil, nil, c.send, c.entry))
	c.obj.Hide()
	return c
}

func (c *helpChat) update(lang string, h *localapi.Help) {
	c.lang = lang
	c.send.SetText(i18n.T(lang, "help.chat.send"))
	c.entry.SetPlaceHolder(i18n.T(lang, "help.chat.hint"))
	var msgs []protocol.HelpMessage
	volunteer := ""
	if h != nil {
		msgs, volunteer = h.Messages, h.Volunteer
	}
	if volunteer == "" {
		volunteer = i18n.T(lang, "help.chat.volunteer")
	}
	msgs = msgs[max(0, len(msgs)-chatShown):]
	c.messages.RemoveAll()
	for _, m := range msgs {
		who := i18n.T(lang, "help.chat.you")
		if m.From == protocol.FromVolunteer {
			who = volunteer
		}
		// A label shows text as text: nothing a volunteer writes is markup.
		l := text(widget.MediumImportance)
		l.SetText(who + ": " + m.Text)
		c.messages.Add(l)
	}
	c.shown = len(msgs)
}

func (c *helpChat) submit() {
	msg := localapi.HelpMessageRequest{Text: c.entry.Text}
	if msg.Text == "" {
		return
	}
	c.send.Disable()
	c.env.run(func(ctx context.Context) error { return c.env.Agent.SayHelp(ctx, msg) }, func(err error) {
		c.send.Enable()
		if err == nil {
			c.entry.SetText("")
		}
		c.done(err)
	})
}
