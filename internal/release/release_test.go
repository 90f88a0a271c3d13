package release

import (
	"os"
	"path/filepath"
	"testing"
)

// signedDir writes a throwaway key pair and a release folder with two
// artifacts, signed; it returns the folder and the public key file. With
// KURA_DIST set (`make test-release`), the artifacts are copies of the
// real ones in that folder.
func signedDir(t *testing.T) (dir, pub string) {
	t.Helper()
	keys := t.TempDir()
	key, pub := filepath.Join(keys, "kura.key"), filepath.Join(keys, "kura.pub")
	if err := GenerateKey(key, pub, ""); err != nil { // unencrypted: scrypt takes seconds
		t.Fatal(err)
	}
	dir = t.TempDir()
	if dist := os.Getenv("KURA_DIST"); dist != "" {
		entries, err := os.ReadDir(dist)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() == SumsFile || e.Name() == SigFile || !e.Type().IsRegular() {
				continue
			}
			b, err := os.ReadFile(filepath.Join(dist, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
		}
	} else {
		os.WriteFile(filepath.Join(dir, "kura_0.1.0_amd64.deb"), []byte("a package"), 0o644)
		os.WriteFile(filepath.Join(dir, "kura-0.1.0-linux-amd64.tar.gz"), []byte("a tarball"), 0o644)
	}
	if _, err := SignDir(dir, key, ""); err != nil {
		t.Fatal(err)
	}
	return dir, pub
}

func TestASignedReleaseVerifiesAndAFlippedByteInAnyFileFails(t *testing.T) {
	dir, pub := signedDir(t)
	names, err := VerifyDir(dir, pub)
	if err != nil || len(names) < 2 {
		t.Fatalf("VerifyDir = %v, %v; want every artifact verified", names, err)
	}
	for _, name := range append(names, SumsFile, SigFile) {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(dir, name)
			orig, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			flipped := append([]byte(nil), orig...)
			i := len(flipped) / 2
			if name == SigFile {
				i = len(flipped) - 10 // in the signature's base64, not a comment
			}
			flipped[i] ^= 0x01
			os.WriteFile(p, flipped, 0o644)
			defer os.WriteFile(p, orig, 0o644)
			if _, err := VerifyDir(dir, pub); err == nil {
				t.Fatalf("a release with byte %d of %s flipped verified", i, name)
			}
		})
	}
	other := t.TempDir()
	if err := GenerateKey(filepath.Join(other, "k"), filepath.Join(other, "p"), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDir(dir, filepath.Join(other, "p")); err == nil {
		t.Fatal("the release verified with another key")
	}
}
