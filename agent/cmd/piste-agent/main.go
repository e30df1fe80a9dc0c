// Command piste-agent is the Piste service on every public PC and info screen.
package main

import (
	"os"

	"piste/agent/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
