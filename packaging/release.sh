#!/usr/bin/env bash
# Writes the Linux release into $DIST (default dist/) from what `make
# release` built: the Debian package kura_X.Y.Z_amd64.deb, the portable
# kura-X.Y.Z-linux-amd64.tar.gz, SHA256SUMS and SHA256SUMS.minisig signed
# with the minisign key in $KEY (password, if any, in $KURA_KEY_PASSWORD).
# X.Y.Z is the VERSION file. Inputs (overridable for tests):
#   KURA_BIN    the desktop build of kura         (build/release/kura)
#   OLLAMA_BIN  the bundled runtime               (build/bin/ollama)
#   OLLAMA_LIB  its CPU libraries                 (build/lib/ollama)
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(tr -d '[:space:]' < VERSION)
dist=${DIST:-dist}
kura=${KURA_BIN:-build/release/kura}
ollama=${OLLAMA_BIN:-build/bin/ollama}
lib=${OLLAMA_LIB:-build/lib/ollama}
id=io.github.kura_app.Kura

if [ -z "${KEY:-}" ]; then
	echo "make release: give the minisign key that signs the release: make release KEY=FILE" >&2
	echo "  a new one: go run ./internal/release/cmd/kura-release keygen --key kura.key --pub kura.pub" >&2
	exit 2
fi
for f in "$kura" "$ollama"; do
	[ -x "$f" ] || { echo "make release: $f is missing (make build, make ollama)" >&2; exit 1; }
done
ls "$lib"/libggml-cpu-*.so >/dev/null || { echo "make release: no CPU libraries in $lib (make ollama)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$dist" && mkdir -p "$dist"
go build -o "$work/kura-release" ./internal/release/cmd/kura-release
release() { "$work/kura-release" "$@"; }

# The runtime, laid out as Ollama expects: bin/ollama with its libraries in
# ../lib/ollama (internal/ollamarun.RuntimeLayouts says where kura looks).
runtime_into() {
	install -D -m 755 "$ollama" "$1/bin/ollama"
	mkdir -p "$1/lib/ollama"
	cp -L "$lib"/libggml-* "$1/lib/ollama/"
	chmod 644 "$1/lib/ollama/"*
}

# --- Debian package: /usr/bin/kura, the runtime in /usr/lib/kura, no maintainer scripts.
root=$work/deb
install -D -m 755 "$kura" "$root/usr/bin/kura"
runtime_into "$root/usr/lib/kura"
install -D -m 644 packaging/linux/$id.desktop "$root/usr/share/applications/$id.desktop"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -u +%F)/" packaging/linux/$id.metainfo.xml > "$work/metainfo.xml"
install -D -m 644 "$work/metainfo.xml" "$root/usr/share/metainfo/$id.metainfo.xml"
for size in 512 256 128 64 32 16; do
	mkdir -p "$root/usr/share/icons/hicolor/${size}x${size}/apps"
	release icon build/appicon.png "$root/usr/share/icons/hicolor/${size}x${size}/apps/$id.png" "$size"
done
mkdir -p "$root/usr/share/doc/kura"
printf 'Kura %s\nThe bundled model runtime is Ollama (MIT licence), built from the Go module pinned in go.mod.\n' "$version" > "$root/usr/share/doc/kura/copyright"
mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CONTROL
Package: kura
Version: $version
Architecture: amd64
Maintainer: Kura <kura@users.noreply.github.com>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: libc6 (>= 2.34), libgcc-s1, libstdc++6, libgtk-3-0, libwebkit2gtk-4.1-0, libsoup-3.0-0, libjavascriptcoregtk-4.1-0, libglib2.0-0
Recommends: tesseract-ocr, tesseract-ocr-jpn, tesseract-ocr-jpn-vert, tesseract-ocr-kor, tesseract-ocr-eng, poppler-utils
Section: utils
Priority: optional
Homepage: https://github.com/kura-app/kura
Description: ask your documents, offline
 Kura indexes PDF, Office, EPUB, HTML, Markdown and text files (and scans,
 with Tesseract) in Japanese, Korean and English, and answers questions from
 them with citations to file and page. The model runtime (Ollama, CPU) is
 bundled in /usr/lib/kura; Kura connects to nothing else.
CONTROL
dpkg-deb --root-owner-group -Zxz --build "$root" "$dist/kura_${version}_amd64.deb" >/dev/null

# --- Portable tarball: one folder with kura, the runtime beside it and an empty kura-data.
name=kura-$version-linux-amd64
t=$work/$name
install -D -m 755 "$kura" "$t/kura"
runtime_into "$t/runtime"
mkdir -p "$t/kura-data"
sed "s/@VERSION@/$version/" packaging/linux/README-portable.txt > "$t/README.txt"
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$dist/$name.tar.gz" "$name"

release sign "$dist" --key "$KEY"
ls -l "$dist"
