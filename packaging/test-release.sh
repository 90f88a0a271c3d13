#!/usr/bin/env bash
# make test-release: checks what `make release` wrote in $DIST (default
# dist/), each part on a clean system. Needs root. In order:
#   1. the signature and sums: copies of the real artifacts, signed with a
#      throwaway key, verify, and a flipped byte in any of them fails; with
#      PUB=FILE, dist/ itself verifies against that public key;
#   2. the .deb in a clean Debian 12 root made with debootstrap from the
#      mirror this machine's apt uses (read from /etc/apt/sources.list*):
#      `apt-get install ./kura_X.Y.Z_amd64.deb` with nothing else added,
#      kura --version, kura models import of the tiny test models, kura
#      ingest of the shared corpus, kura ask answering with sources through
#      the packaged runtime, then apt-get remove: no file of the package is
#      left, and the user's data is;
#   3. the portable tarball unpacked and run read-only from its folder
#      (TestAPortableKuraWritesOnlyIntoKuraData with KURA_PORTABLE_DIR).
# The Debian base system is downloaded once into .cache/debootstrap (a
# tarball of packages) and installed afresh into a new root every run.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(tr -d '[:space:]' < VERSION)
dist=$(realpath -m "${DIST:-dist}") # absolute: go test runs in the package folder
deb=$dist/kura_${version}_amd64.deb
tarball=$dist/kura-$version-linux-amd64.tar.gz
for f in "$deb" "$tarball"; do
	[ -f "$f" ] || { echo "test-release: $f is missing: run make release first" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "test-release: needs root (debootstrap, chroot, mount namespaces)" >&2; exit 1; }
for tool in debootstrap strace; do
	command -v "$tool" >/dev/null || apt-get install -y "$tool"
done
corpus=$(cd .. && pwd)/shared/corpus
[ -d "$corpus" ] || { echo "test-release: the shared corpus is needed at $corpus" >&2; exit 1; }

work=$(mktemp -d /var/tmp/kura-test-release.XXXXXX)
root=$work/root
cleanup() {
	for m in "$root/dev" "$root/proc"; do mountpoint -q "$m" && umount -l "$m"; done
	rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
seconds() { echo $(( $(date +%s) - $1 )); }

step "1. signature and sums"
KURA_DIST=$dist go test -count=1 -timeout 20m -run 'TestASignedReleaseVerifiesAndAFlippedByteInAnyFileFails' ./internal/release/
if [ -n "${PUB:-}" ]; then go run ./internal/release/cmd/kura-release verify "$dist" --pub "$PUB"; fi

step "2. the .deb in a clean Debian 12"
# The mirror apt uses here: a one-line "deb URI bookworm ..." or a deb822
# stanza whose Suites name bookworm.
mirror=$({ grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '$3 == "bookworm" {print $2; exit}'
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}'; } | head -1)
[ -n "$mirror" ] || { echo "test-release: no bookworm mirror in /etc/apt/sources.list*" >&2; exit 1; }
base=$PWD/.cache/debootstrap/bookworm-minbase.tgz
if [ ! -f "$base" ]; then
	mkdir -p "$(dirname "$base")"
	debootstrap --variant=minbase --make-tarball="$base" bookworm "$work/download" "$mirror"
fi
t=$(date +%s)
debootstrap --variant=minbase --unpack-tarball="$base" bookworm "$root" "$mirror" >"$work/debootstrap.log" \
	|| { tail -20 "$work/debootstrap.log"; exit 1; }
echo "clean root in $(seconds "$t") s"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
# KURA_OLLAMA_DEFAULT_URL: a closed port stands for the default address, so
# an Ollama the host may run on 11434 is never used: the packaged one is.
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
	DEBIAN_FRONTEND=noninteractive KURA_OLLAMA_DEFAULT_URL=http://127.0.0.1:1 "$@"; }
in_root apt-get update -qq
t=$(date +%s)
in_root apt-get install -y -qq "/tmp/$(basename "$deb")" >"$work/install.log" || { tail -30 "$work/install.log"; exit 1; }
echo "apt-get install (with its dependencies and recommendations) in $(seconds "$t") s"
got=$(in_root kura --version)
[ "$got" = "kura $version" ] || { echo "kura --version printed '$got', want 'kura $version'" >&2; exit 1; }
echo "$got"
go run ./internal/ollamatest/cmd/tinymodels "$root/root/models"
mkdir -p "$root/root/corpus"
cp -r "$corpus/text" "$corpus/docx" "$corpus/pdf" "$corpus/formats" "$root/root/corpus/"
mkdir -p "$root/root/corpus/notes"
echo "The harbour ferry leaves at seven." > "$root/root/corpus/notes/ferry.txt"
in_root kura models import /root/models
t=$(date +%s)
in_root kura ingest /root/corpus
echo "ingest in $(seconds "$t") s"
# The tiny chat model reads Japanese byte by byte: ask about a short note,
# so the quotes fit its context.
in_root kura ask --in /root/corpus/notes/ferry.txt "When does the harbour ferry leave?" | tee "$work/ask.out"
grep -q abcdefghijklmnopqrstuvwxyz "$work/ask.out" && grep -q '^Sources:' "$work/ask.out" \
	|| { echo "kura ask: no answer with sources" >&2; exit 1; }
in_root kura runtime | tee "$work/runtime.out"
grep -q 'runtime:    bundled' "$work/runtime.out" || { echo "kura runtime: not the packaged runtime" >&2; exit 1; }
in_root dpkg -L kura > "$work/files"
in_root apt-get remove -y -qq kura >/dev/null
left=0
while read -r f; do
	if [ -e "$root$f" ] && [ ! -d "$root$f" ]; then echo "left after apt-get remove: $f" >&2; left=1; fi
done < "$work/files"
[ -d "$root/usr/lib/kura" ] && { echo "left after apt-get remove: /usr/lib/kura" >&2; left=1; }
[ "$left" = 0 ] || exit 1
[ -f "$root/root/.local/share/kura/index.db" ] || { echo "apt-get remove took the user's library" >&2; exit 1; }
echo "removed: no file of the package left; the user's library kept"

step "3. the portable tarball, read-only"
mkdir -p "$work/stick"
tar -C "$work/stick" -xzf "$tarball"
KURA_PORTABLE_DIR=$work/stick/kura-$version-linux-amd64 \
	go test -count=1 -timeout 20m -run 'TestAPortableKuraWritesOnlyIntoKuraData' -v ./internal/integration/ | grep -E '^(=== RUN|--- |PASS|FAIL|ok)'
echo
echo "test-release: all passed"
