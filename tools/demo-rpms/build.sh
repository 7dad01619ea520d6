#!/usr/bin/env bash
# Regenerates the README demo's sample RPM repositories, committed next to this script:
#   repo-v1/  demo-filesystem, demo-release, demo-config, kernel, demo-hello 1.0
#   repo-v2/  the same plus demo-hello 2.0 (what `tsostree db diff` shows after the upgrade)
# from specs/*.spec with rpmbuild + createrepo_c. The output is reproducible (fixed SOURCE_DATE_EPOCH, build
# host, payload compressor and repodata revision), so a rebuild leaves git clean.
#   build.sh          rebuild repo-v1/ and repo-v2/ in place
#   build.sh --check  rebuild into a temporary directory and compare with the committed files (exit 1 if different)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=$here
check=
if [[ ${1:-} == --check ]]; then
  check=1
  dest=$(mktemp -d)
  trap 'rm -rf "$dest"' EXIT
fi

export SOURCE_DATE_EPOCH=1700000000 LC_ALL=C.UTF-8 TZ=UTC
rpms=$(mktemp -d)
trap 'rm -rf "$rpms" ${check:+"$dest"}' EXIT

build() { # spec [rpmbuild args...]
  local spec=$1 top
  shift
  top=$(mktemp -d)
  rpmbuild -bb --quiet --define "_topdir $top" --define '_buildhost demo.invalid' \
    --define '_build_id_links none' --define 'use_source_date_epoch_as_buildtime 1' \
    --define 'clamp_mtime_to_source_date_epoch 1' --define '_binary_payload w9.gzdio' \
    --target x86_64 "$@" "$here/specs/$spec" >/dev/null
  mv "$top"/RPMS/*/*.rpm "$rpms/"
  rm -rf "$top"
}

build demo-base.spec
build demo-kernel.spec
build demo-hello.spec --define 'demover 1.0'
mkdir "$rpms/v2-only"
build demo-hello.spec --define 'demover 2.0'
mv "$rpms/demo-hello-2.0-1.demo.noarch.rpm" "$rpms/v2-only/"

for v in v1 v2; do
  rm -rf "$dest/repo-$v"
  mkdir -p "$dest/repo-$v"
  cp "$rpms"/*.rpm "$dest/repo-$v/"
  [[ $v == v2 ]] && cp "$rpms"/v2-only/*.rpm "$dest/repo-$v/"
  touch -d "@$SOURCE_DATE_EPOCH" "$dest/repo-$v"/*.rpm # primary.xml records each file's mtime
  createrepo_c --quiet --no-database --simple-md-filenames --general-compress-type=gz \
    --revision "$SOURCE_DATE_EPOCH" --set-timestamp-to-revision "$dest/repo-$v" >/dev/null
done

if [[ -n $check ]]; then
  if diff -r "$here/repo-v1" "$dest/repo-v1" && diff -r "$here/repo-v2" "$dest/repo-v2"; then
    echo "demo repositories are up to date"
  else
    echo "demo repositories differ from specs/: run tools/demo-rpms/build.sh and commit the result" >&2
    exit 1
  fi
fi
