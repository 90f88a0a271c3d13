// Package release checksums and signs what `make release` writes, and
// checks it: SHA256SUMS lists every artifact's SHA-256 in the format of
// sha256sum(1), and SHA256SUMS.minisig is a detached Ed25519 signature over
// that file in minisign's format, so a user verifies with stock tools
// (`minisign -Vm SHA256SUMS -p kura.pub`, then `sha256sum -c SHA256SUMS`)
// or with `kura-release verify`. The signing code is aead.dev/minisign's,
// not ours.
package release

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"aead.dev/minisign"
)

// SumsFile and SigFile are the names of the checksum list and its
// signature in the release folder.
const (
	SumsFile = "SHA256SUMS"
	SigFile  = SumsFile + ".minisig"
)

// GenerateKey writes a new key pair: the private key to priv, encrypted
// with password (minisign's scrypt; "" leaves it unencrypted, for
// throwaway keys in tests), and the public key to pub. Neither may exist.
func GenerateKey(priv, pub, password string) error {
	pk, sk, err := minisign.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	var skText []byte
	if password == "" {
		skText, err = sk.MarshalText()
	} else {
		skText, err = minisign.EncryptKey(password, sk)
	}
	if err != nil {
		return err
	}
	pkText, err := pk.MarshalText()
	if err != nil {
		return err
	}
	if err := writeNew(priv, append(skText, '\n'), 0o600); err != nil {
		return err
	}
	return writeNew(pub, append(pkText, '\n'), 0o644)
}

func writeNew(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// SignDir writes dir/SHA256SUMS for every regular file in dir except the
// two it writes, then signs it with the private key in keyFile (password
// "" for an unencrypted key) into dir/SHA256SUMS.minisig. It returns the
// names it listed.
func SignDir(dir, keyFile, password string) ([]string, error) {
	raw, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, err
	}
	var sk minisign.PrivateKey
	if minisign.IsEncrypted(raw) {
		sk, err = minisign.DecryptKey(password, raw)
	} else {
		err = sk.UnmarshalText(bytes.TrimSpace(raw))
	}
	if err != nil {
		return nil, fmt.Errorf("read the signing key %s: %w", keyFile, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	var sums bytes.Buffer
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() == SumsFile || e.Name() == SigFile {
			continue
		}
		h, err := fileSum(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&sums, "%s  %s\n", h, e.Name())
		names = append(names, e.Name())
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("sign %s: no files to sign", dir)
	}
	sig := minisign.SignWithComments(sk, sums.Bytes(), "kura release: "+strings.Join(names, " "), "signature of SHA256SUMS by the Kura release key")
	if err := os.WriteFile(filepath.Join(dir, SumsFile), sums.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return names, os.WriteFile(filepath.Join(dir, SigFile), sig, 0o644)
}

// VerifyDir checks dir/SHA256SUMS.minisig against the public key in
// pubFile (minisign's format), then every file SHA256SUMS lists against
// its sum. It returns the files verified, or the first failure in words.
func VerifyDir(dir, pubFile string) ([]string, error) {
	pk, err := minisign.PublicKeyFromFile(pubFile)
	if err != nil {
		return nil, fmt.Errorf("read the public key %s: %w", pubFile, err)
	}
	sums, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		return nil, err
	}
	sig, err := os.ReadFile(filepath.Join(dir, SigFile))
	if err != nil {
		return nil, err
	}
	if !minisign.Verify(pk, sums, sig) {
		return nil, errors.New("SHA256SUMS does not match its signature: it was changed, or signed with another key")
	}
	var names []string
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		want, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || name != filepath.Base(name) {
			return nil, fmt.Errorf("SHA256SUMS has a line that is not a sum and a file name: %q", sc.Text())
		}
		got, err := fileSum(filepath.Join(dir, name))
		if err != nil {
			return nil, err
		}
		if got != want {
			return nil, fmt.Errorf("%s does not match its SHA-256 in SHA256SUMS: it was changed or damaged", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names, sc.Err()
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
