package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// howToGiveCode says how to pass an enrollment code without putting it
// on the command line, where every user of the machine can read it.
const howToGiveCode = "pipe it in with --code - (echo \"$CODE\" | piste-agent enroll --code - ...) or name a file with --code-file FILE"

// enrollCode reads the enrollment code from stdin (--code -) or a file
// (--code-file), and refuses a code given on the command line.
func enrollCode(arg, file string, stdin io.Reader) (string, error) {
	switch {
	case arg != "" && arg != "-":
		return "", usageErr("the enrollment code may not be given on the command line, where other users see it: %s", howToGiveCode)
	case arg == "-" && file != "":
		return "", usageErr("give --code - or --code-file, not both")
	case arg == "" && file == "":
		return "", usageErr("the enrollment code is required: %s", howToGiveCode)
	}
	from, r := "stdin", stdin
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("--code-file: %w", err)
		}
		defer f.Close()
		from, r = file, f
	}
	if r == nil {
		return "", usageErr("--code -: no stdin to read the code from")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read enrollment code from %s: %w", from, err)
	}
	code := strings.TrimSpace(line)
	if code == "" {
		return "", usageErr("no enrollment code in %s: %s", from, howToGiveCode)
	}
	return code, nil
}
