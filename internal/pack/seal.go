package pack

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"
	"strings"

	"filippo.io/age"
)

// Seal is how a pack is sealed when written: with a passphrase or for
// recipients' public keys. Build it with PassphraseSeal or RecipientSeal.
type Seal struct {
	recipients []age.Recipient
}

// PassphraseSeal seals with a passphrase, stretched with scrypt (age's
// default work factor: about a second and 256 MB to open, which is what
// makes guessing slow). An empty passphrase is refused.
func PassphraseSeal(passphrase string) (Seal, error) {
	if passphrase == "" {
		return Seal{}, errors.New("the passphrase is empty")
	}
	r, err := age.NewScryptRecipient(passphrase)
	if err != nil {
		return Seal{}, err
	}
	return Seal{recipients: []age.Recipient{r}}, nil
}

// RecipientSeal seals for the holders of the given public keys (age's
// "age1..." keys, one per person or laptop); any one of their secret keys
// opens the pack.
func RecipientSeal(publicKeys []string) (Seal, error) {
	if len(publicKeys) == 0 {
		return Seal{}, errors.New("no public key given")
	}
	rs, err := age.ParseRecipients(strings.NewReader(strings.Join(publicKeys, "\n")))
	if err != nil {
		return Seal{}, fmt.Errorf("public keys: %w", err)
	}
	return Seal{recipients: rs}, nil
}

// Key opens a pack: a passphrase, or secret keys. Build it with
// PassphraseKey or ParseKeys.
type Key struct {
	identities []age.Identity
	passphrase bool
}

// MaxWorkFactor is the largest scrypt work factor (log2 of N) a pack's
// passphrase may ask for: the one Kura seals with, age's default (about a
// second and 256 MB). The pack's header chooses it, so without a cap a
// pack of a kilobyte could ask for 2^22 (4 GB and a minute) before its
// passphrase is even checked.
const MaxWorkFactor = 18

// PassphraseKey is the key of a pack sealed with passphrase. It opens
// packs whose work factor is at most MaxWorkFactor.
func PassphraseKey(passphrase string) (Key, error) {
	id, err := age.NewScryptIdentity(passphrase)
	if err != nil {
		return Key{}, errors.New("the passphrase is empty")
	}
	id.SetMaxWorkFactor(MaxWorkFactor)
	return Key{identities: []age.Identity{id}, passphrase: true}, nil
}

// ParseKeys reads secret keys from an age identity file ("AGE-SECRET-KEY-1..."
// lines; # comments and blank lines are ignored), such as `kura pack keygen`
// writes.
func ParseKeys(r io.Reader) (Key, error) {
	ids, err := age.ParseIdentities(io.LimitReader(r, 1<<20))
	if err != nil {
		return Key{}, fmt.Errorf("secret keys: %w", err)
	}
	return Key{identities: ids}, nil
}

// NewKeyPair makes a secret key and its public key. The secret key is the
// text of an identity file (keep it on the laptop that opens packs); the
// public key is what a sender seals for.
func NewKeyPair() (secret, public string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	return id.String(), id.Recipient().String(), nil
}

// Info is what can be read from a pack without opening it.
type Info struct {
	Format int
	// Passphrase is true for a pack sealed with a passphrase, false for
	// one sealed for public keys.
	Passphrase bool
	// WorkFactor is the passphrase's scrypt work factor (log2 of N), 0
	// for a pack sealed for keys.
	WorkFactor int
}

// maxHeader bounds the plain header lines read before the seal is opened.
const maxHeader = 64 << 10

// Inspect reads a pack's plain header: its format version and how it is
// sealed. It refuses a file that is not a pack (ErrNotAPack) and a pack of
// a newer format (ErrNewerFormat).
func Inspect(r io.Reader) (Info, error) {
	br := bufio.NewReader(io.LimitReader(r, maxHeader))
	format, err := readMagic(br)
	if err != nil {
		return Info{}, err
	}
	info := Info{Format: format}
	// age's header: "age-encryption.org/v1", then one "-> TYPE args"
	// line (with body lines) per recipient, then "--- mac".
	first, err := br.ReadString('\n')
	if err != nil || first != "age-encryption.org/v1\n" {
		return info, damaged("no sealed content after the first line")
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return info, damaged("the seal's header is cut short")
		}
		if strings.HasPrefix(line, "---") {
			return info, nil
		}
		if n, ok := scryptLine(line); ok {
			info.Passphrase, info.WorkFactor = true, n
			if err := checkWorkFactor(n); err != nil {
				return info, err
			}
		}
	}
}

// scryptLine reads the work factor of age's scrypt stanza line
// "-> scrypt SALT N"; ok is false for another line.
func scryptLine(line string) (n int, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), "-> scrypt ")
	if !ok {
		return 0, false
	}
	f := strings.Fields(rest)
	if len(f) != 2 {
		return 0, true
	}
	n, _ = strconv.Atoi(f[1])
	return n, true
}

// checkWorkFactor refuses a work factor above MaxWorkFactor.
func checkWorkFactor(n int) error {
	if n > MaxWorkFactor {
		return fmt.Errorf("%w: its passphrase asks for a work factor of 2^%d, above the 2^%d Kura seals with and opens (it would take %d times the memory and time)",
			ErrUnsafe, n, MaxWorkFactor, 1<<min(n-MaxWorkFactor, 30))
	}
	return nil
}

// peekWorkFactor checks the work factor in the age header at the start of
// br without consuming it, before age runs scrypt.
func peekWorkFactor(br *bufio.Reader) error {
	b, _ := br.Peek(br.Size())
	for _, line := range strings.SplitAfter(string(b), "\n") {
		if strings.HasPrefix(line, "---") {
			break
		}
		if n, ok := scryptLine(line); ok {
			if err := checkWorkFactor(n); err != nil {
				return err
			}
		}
	}
	return nil
}

// readMagic reads the first line, "kura-pack N\n", and returns N.
func readMagic(br *bufio.Reader) (int, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return 0, fmt.Errorf("%w: the file is empty", ErrNotAPack)
		}
		return 0, ErrNotAPack
	}
	rest, ok := bytes.CutPrefix(line, []byte(Magic+" "))
	if !ok {
		return 0, ErrNotAPack
	}
	n, err := strconv.Atoi(string(bytes.TrimSuffix(rest, []byte("\n"))))
	if err != nil || n < 1 {
		return 0, ErrNotAPack
	}
	if n > FormatVersion {
		return n, fmt.Errorf("%w (format %d; this Kura reads up to format %d): update Kura to open it", ErrNewerFormat, n, FormatVersion)
	}
	return n, nil
}

// unsealErr names why age could not open a pack.
func unsealErr(err error, k Key) error {
	var nomatch *age.NoIdentityMatchError
	if errors.As(err, &nomatch) {
		if k.passphrase {
			for _, t := range nomatch.StanzaTypes {
				if t == "scrypt" {
					return ErrWrongPassphrase
				}
			}
			return fmt.Errorf("%w: it is sealed for public keys, not with a passphrase: open it with its secret key", ErrNoKey)
		}
		for _, t := range nomatch.StanzaTypes {
			if t == "scrypt" {
				return fmt.Errorf("%w: it is sealed with a passphrase", ErrNoKey)
			}
		}
		return ErrNoKey
	}
	return damaged("%v", err)
}

func ageEncrypt(dst io.Writer, s Seal) (io.WriteCloser, error) {
	w, err := age.Encrypt(dst, s.recipients...)
	if err != nil {
		return nil, fmt.Errorf("seal the pack: %w", err)
	}
	afterScrypt()
	return w, nil
}

// afterScrypt hands scrypt's 256 MB back at once. Without it the garbage
// collector, which sized its next goal while that buffer was live, lets
// the heap grow to twice it before collecting: a 100k-passage pack then
// peaked at 566 MB instead of about 300 (measured; docs/BENCHMARKS.md).
func afterScrypt() { debug.FreeOSMemory() }
