package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"piste/agent/localapi"
	"piste/agent/state"
)

const ctlUsage = `usage: piste-agent ctl --state DIR ACTION

actions:
  status                  the agent's state as JSON
  login --card CARD --pin-stdin
  guest --code CODE
  reserve --card CARD --pin-stdin [--minutes N]
                          hold this PC for the card's next free slot
  extend | end
  help --topic TOPIC --lang fi|sv|en [--note TEXT]
                          ask a volunteer for help (topics: the policy's help.topics)
  help --cancel           withdraw the help request
  help-say --text TEXT    write to the volunteer
  a11y [--text-scale N] [--contrast] [--speech] [--speech-rate WPM] [--language fi|sv|en]
                          the visitor's choices, as the kiosk sets them
  mydata                  what the fleet keeps for this card session, as JSON
  remember | forget       keep the visitor's choices for their card, or delete them
`

func ctlCmd(args []string, stdio IO) error {
	fs := newFlags("ctl", stdio)
	dir := fs.String("state", "", "state directory of the running agent")
	socket := fs.String("socket", "", "the agent's socket when it is not in the state directory")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("ctl needs an action\n%s", ctlUsage)
	}
	if *dir == "" && *socket == "" {
		return usageErr("--state (or --socket) is required")
	}
	path := *socket
	if path == "" {
		path = filepath.Join(*dir, state.SocketFile)
	}
	client := localapi.NewClient(path)
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	action, rest := fs.Arg(0), fs.Args()[1:]
	err := ctlAction(ctx, client, action, rest, stdio)
	if localapi.IsUnreachable(err) {
		return fmt.Errorf("no agent answers on %s: is it running? (%v)", path, err)
	}
	var refusal *localapi.Refusal
	if errors.As(err, &refusal) {
		msg := "refused: " + string(refusal.Code)
		if refusal.Message != "" {
			msg += " (" + refusal.Message + ")"
		}
		if refusal.RetryAfterSeconds > 0 {
			msg += fmt.Sprintf("; retry in %d s", refusal.RetryAfterSeconds)
		}
		return errors.New(msg)
	}
	return err
}

func ctlAction(ctx context.Context, c *localapi.Client, action string, args []string, stdio IO) error {
	fs := newFlags("ctl "+action, stdio)
	card := fs.String("card", "", "library card number (login)")
	pinStdin := fs.Bool("pin-stdin", false, "read the PIN from stdin (login)")
	code := fs.String("code", "", "guest pass code (guest)")
	minutes := fs.Int("minutes", 0, "length of the slot in minutes; 0 for the longest the policy allows (reserve)")
	topic := fs.String("topic", "", "help topic, like email or printing (help)")
	lang := fs.String("lang", "", "language to get help in: fi, sv or en (help)")
	note := fs.String("note", "", "a short note for the volunteer (help)")
	cancelHelp := fs.Bool("cancel", false, "withdraw the help request (help)")
	text := fs.String("text", "", "message to the volunteer (help-say)")
	scale := fs.Int("text-scale", 100, "text size in percent, 100..200 (a11y)")
	contrast := fs.Bool("contrast", false, "high contrast (a11y)")
	speech := fs.Bool("speech", false, "speech on (a11y)")
	rate := fs.Int("speech-rate", 0, "speech rate in words a minute, 80..320; 0 the default (a11y)")
	language := fs.String("language", "", "fi, sv or en (a11y)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	switch action {
	case "status":
		st, err := c.Status(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	case "login":
		pin, err := cardAndPIN(action, *card, *pinStdin, stdio)
		if err != nil {
			return err
		}
		return report(stdio, c.Login(ctx, localapi.LoginRequest{Card: *card, PIN: pin}), "session started")
	case "reserve":
		pin, err := cardAndPIN(action, *card, *pinStdin, stdio)
		if err != nil {
			return err
		}
		return reserve(ctx, c, localapi.ReserveRequest{Card: *card, PIN: pin, Minutes: *minutes}, stdio)
	case "guest":
		if *code == "" {
			return usageErr("guest needs --code CODE")
		}
		return report(stdio, c.Guest(ctx, localapi.GuestRequest{Code: *code}), "session started")
	case "extend":
		return report(stdio, c.Extend(ctx), "session extended")
	case "end":
		return report(stdio, c.End(ctx), "session ending")
	case "help":
		return askHelp(ctx, c, *cancelHelp, localapi.HelpRequest{Topic: *topic, Language: *lang, Note: *note}, stdio)
	case "help-say":
		if *text == "" {
			return usageErr("help-say needs --text TEXT")
		}
		return report(stdio, c.SayHelp(ctx, localapi.HelpMessageRequest{Text: *text}), "sent")
	case "a11y":
		if *language != "" {
			if err := c.SetLanguage(ctx, localapi.LanguageRequest{Language: *language}); err != nil {
				return err
			}
		}
		a := localapi.Accessibility{TextScale: *scale, HighContrast: *contrast, Speech: *speech, SpeechRate: *rate}
		return report(stdio, c.SetAccessibility(ctx, a), "choices set")
	case "mydata", "remember", "forget":
		call := map[string]func(context.Context) (localapi.MyData, error){
			"mydata": c.MyData, "remember": c.RememberSettings, "forget": c.ForgetMyData}[action]
		d, err := call(ctx)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(d)
	}
	return usageErr("unknown ctl action %q\n%s", action, ctlUsage)
}

// cardAndPIN checks the card flag and reads the PIN from stdin.
func cardAndPIN(action, card string, pinStdin bool, stdio IO) (string, error) {
	if card == "" || !pinStdin {
		return "", usageErr("%s needs --card CARD and --pin-stdin (the PIN never goes on the command line)", action)
	}
	pin, err := bufio.NewReader(stdio.In).ReadString('\n')
	pin = strings.TrimRight(pin, "\r\n")
	if pin == "" {
		return "", fmt.Errorf("no PIN on stdin: %v", err)
	}
	return pin, nil
}

// reserve asks for the slot and prints it as the agent shows it.
func reserve(ctx context.Context, c *localapi.Client, req localapi.ReserveRequest, stdio IO) error {
	if err := c.Reserve(ctx, req); err != nil {
		return err
	}
	st, err := c.Status(ctx)
	if err != nil || st.Reservation == nil {
		fmt.Fprintln(stdio.Out, "reserved")
		return err
	}
	r := st.Reservation
	fmt.Fprintf(stdio.Out, "reserved; this PC is next reserved from %s until %s for card …%s\n",
		r.From.Local().Format(time.RFC3339), r.Until.Local().Format(time.RFC3339), r.CardHint)
	return nil
}

// askHelp asks for help (or withdraws the request) and prints the
// request as the agent shows it.
func askHelp(ctx context.Context, c *localapi.Client, cancel bool, req localapi.HelpRequest, stdio IO) error {
	if cancel {
		return report(stdio, c.CancelHelp(ctx), "help request cancelled")
	}
	if req.Topic == "" || req.Language == "" {
		return usageErr("help needs --topic TOPIC and --lang fi|sv|en (or --cancel)")
	}
	if err := c.RequestHelp(ctx, req); err != nil {
		return err
	}
	st, err := c.Status(ctx)
	if err != nil || st.Help == nil {
		fmt.Fprintln(stdio.Out, "help requested")
		return err
	}
	fmt.Fprintf(stdio.Out, "help requested: %s, %s, place %d in the queue\n", st.Help.ID, st.Help.Status, st.Help.Position)
	return nil
}

func report(stdio IO, err error, ok string) error {
	if err == nil {
		fmt.Fprintln(stdio.Out, ok)
	}
	return err
}
