#!/usr/bin/env bash
# Builds libsolv to WebAssembly from Debian's source packages with Debian's emscripten.
#
#   tools/libsolv-wasm/build.sh [--out DIR] [--native] [--testsolv] [--clean]
#
# Default: writes libs/solver/wasm/{libsolv.wasm,libsolv.mjs,provenance.json}.
#   --out DIR     write the artifacts into DIR instead (the CI rebuild check compares DIR with the committed files)
#   --testsolv    also link libsolv's own `testsolv` tool to WebAssembly ($WORK/wasm/testsolv.cjs + .wasm), for
#                 the upstream test suite (run it with tools/libsolv-wasm/run-testsolv.cjs)
#   --clean       throw away the previous WebAssembly build tree first (what the CI rebuild check does)
#   --native      also build libsolv natively (gcc, same source, same options): native testsolv and the
#                 benchmark driver, into $WORK/native
# Sources, build trees and the native build live under $LIBSOLV_WASM_WORK (default: <repo>/.cache/libsolv-wasm).
#
# Needs (tools/setup.sh installs them): emscripten, dpkg-dev, cmake, make, a deb-src line for bookworm.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${LIBSOLV_WASM_WORK:-$ROOT/.cache/libsolv-wasm}"
OUT="$ROOT/libs/solver/wasm"
NATIVE=0
TESTSOLV=0
CLEAN=0
while (($#)); do
  case "$1" in
    --out) OUT="$2"; shift 2 ;;
    --native) NATIVE=1; shift ;;
    --testsolv) TESTSOLV=1; shift ;;
    --clean) CLEAN=1; shift ;;
    *) echo "usage: $0 [--out DIR] [--native] [--testsolv] [--clean]" >&2; exit 2 ;;
  esac
done
JOBS="${JOBS:-2}"

# ---- pinned sources: Debian source package versions and the sha256 of their upstream tarballs ----
LIBSOLV_VERSION=0.7.23-1+deb12u1
LIBSOLV_ORIG=libsolv_0.7.23.orig.tar.gz
LIBSOLV_SHA256=0286155964373c6cc3802d025750786c3ee79608d5cb884598e110e3918bb2fe
LIBSOLV_DIR=libsolv-0.7.23
ZLIB_VERSION=1:1.2.13.dfsg-1
ZLIB_ORIG=zlib_1.2.13.dfsg.orig.tar.bz2
ZLIB_SHA256=71feb7947e3c00ef125f83b79a4e529bde31171e5babe48b391f06758d1ab0a1
ZLIB_DIR=zlib-1.2.13.dfsg
EXPAT_VERSION=2.5.0-1+deb12u2
EXPAT_ORIG=expat_2.5.0.orig.tar.gz
EXPAT_SHA256=ab00ee05c7067fd10a35c5d2a4922ebba746ddd50ff83b79c828da17bbdf1757
EXPAT_DIR=expat-2.5.0

# Debian's emscripten: frozen system cache (EM_CACHE must stay unset); its JS optimizer needs acorn from here.
unset EM_CACHE
export NODE_PATH=/usr/share/nodejs
# Reproducibility: no timestamps, stable locale and ordering.
export SOURCE_DATE_EPOCH=0 LC_ALL=C TZ=UTC

command -v emcc >/dev/null || { echo "emcc not found: apt-get install emscripten" >&2; exit 1; }
command -v dpkg-source >/dev/null || { echo "dpkg-source not found: apt-get install dpkg-dev" >&2; exit 1; }

SRC="$WORK/src"
mkdir -p "$SRC"

fetch() { # package version orig sha256 dir
  local pkg="$1" ver="$2" orig="$3" sha="$4" dir="$5" debver="${2#*:}"
  if [[ -f "$SRC/.$pkg-$debver.ok" && -d "$SRC/$dir" ]]; then return; fi
  rm -rf "${SRC:?}/$dir"
  (cd "$SRC" && apt-get source -qq --download-only "$pkg=$ver" >/dev/null 2>&1)
  echo "$sha  $SRC/$orig" | sha256sum -c --quiet - || { echo "checksum mismatch for $orig" >&2; exit 1; }
  (cd "$SRC" && dpkg-source -q -x "${pkg}_${debver}.dsc" "$dir" >/dev/null)
  touch "$SRC/.$pkg-$debver.ok"
}
fetch libsolv "$LIBSOLV_VERSION" "$LIBSOLV_ORIG" "$LIBSOLV_SHA256" "$LIBSOLV_DIR"
fetch zlib "$ZLIB_VERSION" "$ZLIB_ORIG" "$ZLIB_SHA256" "$ZLIB_DIR"
fetch expat "$EXPAT_VERSION" "$EXPAT_ORIG" "$EXPAT_SHA256" "$EXPAT_DIR"

# Flags shared by every compile. -ffile-prefix-map keeps build paths out of the artifact.
OPT=(-O2)
CFLAGS_COMMON=("${OPT[@]}" "-ffile-prefix-map=$WORK=." "-ffile-prefix-map=$HERE=.")

# ---- zlib: its cmake build does not work under emscripten, so compile the sources directly ----
build_zlib() { # cc ar outdir
  local cc="$1" ar="$2" out="$3" objs=() f
  mkdir -p "$out/zlib/include"
  for f in adler32 compress crc32 deflate gzclose gzlib gzread gzwrite infback inffast inflate inftrees trees uncompr zutil; do
    "$cc" "${CFLAGS_COMMON[@]}" -DHAVE_UNISTD_H -DHAVE_STDARG_H -c "$SRC/$ZLIB_DIR/$f.c" -o "$out/zlib/$f.o"
    objs+=("$out/zlib/$f.o")
  done
  rm -f "$out/zlib/libz.a"
  "$ar" rcsD "$out/zlib/libz.a" "${objs[@]}"
  cp "$SRC/$ZLIB_DIR/zlib.h" "$SRC/$ZLIB_DIR/zconf.h" "$out/zlib/include/"
}

# ---- expat: three C files and a config header ----
build_expat() { # cc ar outdir
  local cc="$1" ar="$2" out="$3" objs=() f
  mkdir -p "$out/expat/include"
  cat > "$out/expat/expat_config.h" <<'EOF'
#ifndef EXPAT_CONFIG_H
#define EXPAT_CONFIG_H 1
#define BYTEORDER 1234
#define HAVE_FCNTL_H 1
#define HAVE_INTTYPES_H 1
#define HAVE_MEMORY_H 1
#define HAVE_STDINT_H 1
#define HAVE_STDLIB_H 1
#define HAVE_STRINGS_H 1
#define HAVE_STRING_H 1
#define HAVE_SYS_STAT_H 1
#define HAVE_SYS_TYPES_H 1
#define HAVE_UNISTD_H 1
#define PACKAGE "expat"
#define PACKAGE_NAME "expat"
#define PACKAGE_VERSION "2.5.0"
#define STDC_HEADERS 1
#define XML_CONTEXT_BYTES 1024
/* No /dev/urandom, getrandom or arc4random in this wasm (no filesystem): expat seeds its hash salt from
   time and pid (XML_POOR_ENTROPY). */
#define XML_POOR_ENTROPY 1
#define XML_DTD 1
#define XML_NS 1
#endif
EOF
  for f in xmlparse xmlrole xmltok; do
    "$cc" "${CFLAGS_COMMON[@]}" -DHAVE_EXPAT_CONFIG_H -I"$out/expat" -I"$SRC/$EXPAT_DIR/expat/lib" \
      -c "$SRC/$EXPAT_DIR/expat/lib/$f.c" -o "$out/expat/$f.o"
    objs+=("$out/expat/$f.o")
  done
  rm -f "$out/expat/libexpat.a"
  "$ar" rcsD "$out/expat/libexpat.a" "${objs[@]}"
  cp "$SRC/$EXPAT_DIR/expat/lib/expat.h" "$SRC/$EXPAT_DIR/expat/lib/expat_external.h" "$out/expat/include/"
}

# ---- libsolv: its own cmake, static, rpm semantics plus what the upstream testcases need ----
LIBSOLV_CMAKE_OPTIONS=(
  -DCMAKE_BUILD_TYPE=Release
  -DENABLE_STATIC=ON -DDISABLE_SHARED=ON
  -DMULTI_SEMANTICS=ON -DENABLE_COMPLEX_DEPS=ON
  -DENABLE_RPMMD=ON -DENABLE_HELIXREPO=ON
  -DWITHOUT_COOKIEOPEN=OFF
)
build_libsolv() { # cmake-wrapper outdir
  local wrap="$1" out="$2"
  mkdir -p "$out/libsolv"
  (cd "$out/libsolv" && $wrap cmake "$SRC/$LIBSOLV_DIR" -G "Unix Makefiles" "${LIBSOLV_CMAKE_OPTIONS[@]}" \
      -DCMAKE_C_BYTE_ORDER=LITTLE_ENDIAN \
      -DCMAKE_C_FLAGS="${CFLAGS_COMMON[*]}" -DCMAKE_C_FLAGS_RELEASE="" \
      -DZLIB_LIBRARY="$out/zlib/libz.a" -DZLIB_INCLUDE_DIR="$out/zlib/include" \
      -DEXPAT_LIBRARY="$out/expat/libexpat.a" -DEXPAT_INCLUDE_DIR="$out/expat/include" >/dev/null)
  make -s -C "$out/libsolv" -j"$JOBS" libsolv libsolvext toolstuff >/dev/null
}

EMBUILD="$WORK/wasm"
if ((CLEAN)); then rm -rf "$EMBUILD"; fi # the native baseline is left alone
build_zlib emcc emar "$EMBUILD"
build_expat emcc emar "$EMBUILD"
build_libsolv emcmake "$EMBUILD"

INCLUDES=(-I"$SRC/$LIBSOLV_DIR/src" -I"$SRC/$LIBSOLV_DIR/ext" -I"$EMBUILD/libsolv/src")
LIBS=("$EMBUILD/libsolv/ext/libsolvext.a" "$EMBUILD/libsolv/src/libsolv.a" "$EMBUILD/expat/libexpat.a" "$EMBUILD/zlib/libz.a")

# Exported C functions: the tsl_* glue plus the libsolv API the binding calls directly.
EXPORTS=$(tr -s ' \n' ',' < "$HERE/exports.txt" | sed 's/^,//; s/,$//')
LINK_FLAGS=(
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createLibsolv -sENVIRONMENT=web
  -sFILESYSTEM=0 -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=16777216 -sMAXIMUM_MEMORY=4294967296
  -sTOTAL_STACK=1048576 -sDYNAMIC_EXECUTION=0 -sASSERTIONS=0 -sINCOMING_MODULE_JS_API=wasmBinary,instantiateWasm
  "-sEXPORTED_FUNCTIONS=$EXPORTS"
  "-sEXPORTED_RUNTIME_METHODS=[]"
  --no-entry
)
mkdir -p "$OUT"
emcc "${CFLAGS_COMMON[@]}" "${INCLUDES[@]}" -c "$HERE/glue.c" -o "$EMBUILD/glue.o"
# repo_write keeping dependency order, under other names (see the file): upstream's source with one #define turned off.
sed 's/^#define USE_REL_IDARRAY$/#undef USE_REL_IDARRAY/' "$SRC/$LIBSOLV_DIR/src/repo_write.c" > "$EMBUILD/repo_write_ordered.c"
grep -qx '#undef USE_REL_IDARRAY' "$EMBUILD/repo_write_ordered.c" || { echo "repo_write.c: USE_REL_IDARRAY not found" >&2; exit 1; }
# Compiled with the defines libsolv's own cmake gave repo_write.c.
read -ra LIBSOLV_DEFINES <<< "$(sed -n 's/^C_DEFINES = //p' "$EMBUILD/libsolv/src/CMakeFiles/libsolv.dir/flags.make")"
emcc "${CFLAGS_COMMON[@]}" "${LIBSOLV_DEFINES[@]}" "${INCLUDES[@]}" -I"$EMBUILD" -c "$HERE/repo-write-ordered.c" -o "$EMBUILD/repo-write-ordered.o"
# Faster memcmp/strcmp/memcpy/memmove/realloc, linked ahead of libc's (see the file).
emcc "${CFLAGS_COMMON[@]}" -mbulk-memory -fno-builtin -c "$HERE/libc-fast.c" -o "$EMBUILD/libc-fast.o"
emcc "${OPT[@]}" "$EMBUILD/glue.o" "$EMBUILD/repo-write-ordered.o" "$EMBUILD/libc-fast.o" "${LIBS[@]}" "${LINK_FLAGS[@]}" -o "$EMBUILD/libsolv.mjs"
cp "$EMBUILD/libsolv.wasm" "$OUT/libsolv.wasm"
cp "$EMBUILD/libsolv.mjs" "$OUT/libsolv.mjs"

if ((TESTSOLV)); then
  emcc "${CFLAGS_COMMON[@]}" "${INCLUDES[@]}" -c "$SRC/$LIBSOLV_DIR/tools/testsolv.c" -o "$EMBUILD/testsolv.o"
  emcc "${OPT[@]}" "$EMBUILD/testsolv.o" "$EMBUILD/libc-fast.o" "${LIBS[@]}" -sNODERAWFS=1 -sENVIRONMENT=node -sEXIT_RUNTIME=1 \
    -sALLOW_MEMORY_GROWTH=1 -o "$EMBUILD/testsolv.js"
  mv "$EMBUILD/testsolv.js" "$EMBUILD/testsolv.cjs" # run it with tools/libsolv-wasm/run-testsolv.cjs
fi

if ((NATIVE)); then
  NATBUILD="$WORK/native"
  build_zlib gcc ar "$NATBUILD"
  build_expat gcc ar "$NATBUILD"
  build_libsolv "" "$NATBUILD"
  make -s -C "$NATBUILD/libsolv" -j"$JOBS" testsolv >/dev/null
  cp "$NATBUILD/libsolv/tools/testsolv" "$WORK/native/testsolv"
  NLIBS=("$NATBUILD/libsolv/ext/libsolvext.a" "$NATBUILD/libsolv/src/libsolv.a" "$NATBUILD/expat/libexpat.a" "$NATBUILD/zlib/libz.a")
  gcc "${OPT[@]}" -I"$SRC/$LIBSOLV_DIR/src" -I"$SRC/$LIBSOLV_DIR/ext" -I"$NATBUILD/libsolv/src" \
    "$HERE/native-bench.c" "${NLIBS[@]}" -o "$WORK/native/native-bench"
fi

# ---- provenance ----
sha() { sha256sum "$1" | cut -d' ' -f1; }
# sed reads to the end: `head -1` would close the pipe early and, with pipefail, fail the build when emcc
# is still writing its banner (seen under load as a BrokenPipeError from emcc).
EMCC_VERSION="$(emcc --version | sed -n 1p)"
DEBIAN_EMSCRIPTEN="$(dpkg-query -W -f='${Version}' emscripten 2>/dev/null || echo unknown)"
cat > "$OUT/provenance.json" <<EOF
{
  "sources": {
    "libsolv": { "debianSourcePackage": "libsolv", "version": "$LIBSOLV_VERSION", "orig": "$LIBSOLV_ORIG", "sha256": "$LIBSOLV_SHA256" },
    "zlib": { "debianSourcePackage": "zlib", "version": "$ZLIB_VERSION", "orig": "$ZLIB_ORIG", "sha256": "$ZLIB_SHA256" },
    "expat": { "debianSourcePackage": "expat", "version": "$EXPAT_VERSION", "orig": "$EXPAT_ORIG", "sha256": "$EXPAT_SHA256" },
    "glue": { "path": "tools/libsolv-wasm/glue.c", "sha256": "$(sha "$HERE/glue.c")" },
    "libc-fast": { "path": "tools/libsolv-wasm/libc-fast.c", "sha256": "$(sha "$HERE/libc-fast.c")" },
    "repo-write-ordered": { "path": "tools/libsolv-wasm/repo-write-ordered.c", "sha256": "$(sha "$HERE/repo-write-ordered.c")" },
    "exports": { "path": "tools/libsolv-wasm/exports.txt", "sha256": "$(sha "$HERE/exports.txt")" }
  },
  "toolchain": { "emcc": "$EMCC_VERSION", "debianPackage": "emscripten $DEBIAN_EMSCRIPTEN" },
  "cflags": "${OPT[*]} -ffile-prefix-map=<work>=. -ffile-prefix-map=<tools>=.",
  "libsolvCmakeOptions": "${LIBSOLV_CMAKE_OPTIONS[*]} -DCMAKE_C_BYTE_ORDER=LITTLE_ENDIAN",
  "linkFlags": "${LINK_FLAGS[*]//"$EXPORTS"/<tools/libsolv-wasm/exports.txt>}",
  "artifacts": {
    "libsolv.wasm": { "sha256": "$(sha "$OUT/libsolv.wasm")", "bytes": $(stat -c %s "$OUT/libsolv.wasm") },
    "libsolv.mjs": { "sha256": "$(sha "$OUT/libsolv.mjs")", "bytes": $(stat -c %s "$OUT/libsolv.mjs") }
  }
}
EOF
echo "libsolv.wasm $(sha "$OUT/libsolv.wasm") $(stat -c %s "$OUT/libsolv.wasm") bytes"
