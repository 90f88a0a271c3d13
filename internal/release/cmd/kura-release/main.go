// Command kura-release makes and checks the signature over a release
// folder (`make release` runs it):
//
//	kura-release keygen --key FILE --pub FILE   a new key pair (password from $KURA_KEY_PASSWORD)
//	kura-release sign DIR --key FILE            write DIR/SHA256SUMS and DIR/SHA256SUMS.minisig
//	kura-release verify DIR --pub FILE          check the signature, then every file's sum
//	kura-release icon IN.png OUT.png SIZE         IN scaled down to SIZE×SIZE (for hicolor)
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kura-app/kura/internal/release"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kura-release keygen|sign|verify ...")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	key := fs.String("key", "", "the private key file (minisign format)")
	pub := fs.String("pub", "", "the public key file (minisign format)")
	args := os.Args[2:]
	dir := ""
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		dir, args = args[0], args[1:]
	}
	fs.Parse(args)
	password := os.Getenv("KURA_KEY_PASSWORD")
	var err error
	switch os.Args[1] {
	case "keygen":
		err = release.GenerateKey(*key, *pub, password)
		if err == nil {
			fmt.Printf("wrote %s (keep it secret) and %s (publish it)\n", *key, *pub)
		}
	case "sign":
		var names []string
		names, err = release.SignDir(dir, *key, password)
		if err == nil {
			fmt.Printf("signed the sums of %d files in %s/%s\n", len(names), dir, release.SigFile)
		}
	case "icon":
		rest := fs.Args()
		if len(rest) != 2 {
			err = fmt.Errorf("usage: kura-release icon IN.png OUT.png SIZE")
			break
		}
		var size int
		if _, err = fmt.Sscan(rest[1], &size); err == nil {
			err = release.ScaleIcon(dir, rest[0], size)
		}
	case "verify":
		var names []string
		names, err = release.VerifyDir(dir, *pub)
		for _, n := range names {
			fmt.Printf("%s: OK\n", n)
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "kura-release: %v\n", err)
		os.Exit(1)
	}
}
