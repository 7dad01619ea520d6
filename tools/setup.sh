#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian 12 machine (run as root):
# the real tools our differential tests use as oracles, then the npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

# The oracles: ostree (and its installed test suite with fixture repos), rpm/rpmbuild,
# createrepo_c, dnf and libsolv's tools, compressors, cpio, grub-script-check, GLib's GVariant
# through python3-gi, nginx for HTTP pulls, bubblewrap for scriptlets, GNU time for benchmarks.
DEBIAN_PACKAGES=(
  ostree ostree-tests
  rpm python3-rpm createrepo-c dnf libsolv-tools
  # rpmdb: setcap/getcap are the oracle for file capabilities written by extraction.
  libcap2-bin
  zstd xz-utils bzip2 cpio attr
  grub-common
  python3-gi gir1.2-glib-2.0
  # sysroot: libostree through GObject introspection (the differential tests drive write_deployments)
  gir1.2-ostree-1.0
  # sysroot: the booted-machine oracle runs ostree in a private mount + PID namespace (unshare, mount, chroot)
  util-linux mount coreutils
  # compose: json-glib is the oracle for `db diff --format=json` (rpm-ostree prints it with json-glib)
  gir1.2-json-1.0
  nginx bubblewrap gnupg
  # objstore signatures: OpenSSL is the independent ed25519 implementation (Debian's ostree has no libsodium).
  openssl
  time
  # rpmdb tests read createrepo_c's and rpm's sqlite files with the real sqlite3 tool.
  sqlite3
  # libsolv → WebAssembly (tools/libsolv-wasm/build.sh): Debian's emscripten, apt-get source, cmake,
  # and gcc for the native libsolv the solver benchmark compares against.
  emscripten dpkg-dev cmake make gcc libc6-dev
  # objstore: the xz addon (libs/objstore/native/xz.c) links the system liblzma (without it: lzma-native).
  liblzma-dev
)

# Source packages (libsolv, zlib, expat for the WebAssembly build) need a deb-src line.
if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  cat > /etc/apt/sources.list.d/debian-src.sources <<'EOF_SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF_SRC
  need_update=1
fi

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})) || [[ -n "${need_update:-}" ]]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
fi
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# `npm ci` cannot be used: this registry does not serve every platform package that @swc/core lists as
# optional (darwin, win32…), so npm ci reports the lockfile "out of sync". `npm install` installs the
# locked versions all the same.
npm install --no-fund --no-audit
