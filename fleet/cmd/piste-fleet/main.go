// Command piste-fleet is the Piste fleet server and its admin commands.
package main

import (
	"os"

	"piste/fleet/cli"
)

func main() {
	os.Exit(cli.Run(os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}
