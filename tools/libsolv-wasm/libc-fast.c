/*
 * libc-fast.c: replacements for the few libc functions libsolv's metadata loading spends its time in (profiled on
 * a 63,000-package rpm-md load), where emscripten's libc is much slower than the glibc the native baseline uses.
 *
 * - memcmp, strcmp: musl's compare a byte at a time; these compare 8 bytes at a time (glibc's are vectorised).
 * - memcpy, memmove: emscripten 3.1.6's memcpy hands every copy of 512 bytes or more to JavaScript
 *   (HEAPU8.copyWithin); these use the wasm memory.copy instruction.
 * - realloc: libsolv grows its big arrays (solvables, string space, repodata) a small block at a time. glibc
 *   moves large blocks with mremap, without copying; dlmalloc in wasm has no mmap and copies the whole array
 *   whenever it cannot grow in place, which makes loading quadratic. Large blocks here grow by half their size,
 *   so most growth happens inside the block and the copying is amortised.
 *
 * Linked before libc, these definitions win; the semantics are the C standard's. Compiled with -mbulk-memory so
 * large copies become the wasm memory.copy instruction (every engine Node 18+ ships supports it) and with
 * -fno-builtin so the compiler does not turn the loops below back into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include <malloc.h>

typedef uint64_t __attribute__((__may_alias__, __aligned__(1))) word_t;
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Word loads may run past the end of a string, never past the end of linear memory. */
static inline uintptr_t word_limit(void)
{
  return (uintptr_t)__builtin_wasm_memory_size(0) * 65536u - sizeof(word_t);
}

/* The byte of a and b where they first differ (or where a mask bit is set), compared as unsigned char. */
static inline int first_diff(uint64_t a, uint64_t b, uint64_t mask)
{
  int shift = __builtin_ctzll(mask) & ~7;
  return (int)((a >> shift) & 0xff) - (int)((b >> shift) & 0xff);
}

void *memcpy(void *restrict dest, const void *restrict src, size_t n)
{
  unsigned char *d = dest;
  const unsigned char *s = src;
  if (n >= 64)
    {
      __builtin_memcpy(d, s, n); /* memory.copy */
      return dest;
    }
  for (; n >= sizeof(word_t); n -= sizeof(word_t), d += sizeof(word_t), s += sizeof(word_t))
    *(word_t *)d = *(const word_t *)s;
  for (; n; n--)
    *d++ = *s++;
  return dest;
}

void *memmove(void *dest, const void *src, size_t n)
{
  __builtin_memmove(dest, src, n); /* memory.copy handles overlap */
  return dest;
}

int memcmp(const void *vl, const void *vr, size_t n)
{
  const unsigned char *l = vl, *r = vr;
  for (; n >= sizeof(word_t); n -= sizeof(word_t), l += sizeof(word_t), r += sizeof(word_t))
    {
      uint64_t a = *(const word_t *)l, b = *(const word_t *)r;
      if (a != b)
        return first_diff(a, b, a ^ b);
    }
  for (; n && *l == *r; n--, l++, r++)
    ;
  return n ? *l - *r : 0;
}

int strcmp(const char *ls, const char *rs)
{
  const unsigned char *l = (const unsigned char *)ls, *r = (const unsigned char *)rs;
  uintptr_t limit = word_limit();
  while ((uintptr_t)l <= limit && (uintptr_t)r <= limit)
    {
      uint64_t a = *(const word_t *)l, b = *(const word_t *)r;
      /* lowest set bit of zero: the first NUL byte of a (bits above it may be false positives) */
      uint64_t zero = (a - ONES) & ~a & HIGHS;
      uint64_t stop = (a ^ b) | zero;
      if (stop)
        return first_diff(a, b, stop);
      l += sizeof(word_t);
      r += sizeof(word_t);
    }
  for (; *l == *r && *l; l++, r++)
    ;
  return *l - *r;
}

/* dlmalloc's realloc (emscripten's dlmalloc.c exports it under this name; realloc itself is a weak alias). */
void *__libc_realloc(void *ptr, size_t size);

#define GROW_FROM 65536

void *realloc(void *ptr, size_t size)
{
  size_t usable;
  if (!ptr || size < GROW_FROM)
    return __libc_realloc(ptr, size);
  usable = malloc_usable_size(ptr);
  if (size <= usable && size >= usable / 2)
    return ptr; /* still fits and not much smaller: keep the block (and its spare room) */
  if (size > usable && size + size / 2 > size)
    {
      void *grown = __libc_realloc(ptr, size + size / 2);
      if (grown)
        return grown;
    }
  return __libc_realloc(ptr, size);
}
