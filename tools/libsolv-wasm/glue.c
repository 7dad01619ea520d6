/*
 * glue.c: the thin C layer between libsolv and the TypeScript binding in libs/solver/src/libsolv/.
 *
 * libsolv's public API is mostly plain functions, which the binding calls directly. This file only adds
 * what JavaScript cannot reach on its own: struct fields, libsolv's static inline helpers (queues, maps),
 * parsers that want a FILE * (fed here from memory with fmemopen), and a few loops that would otherwise
 * cross the JS/wasm boundary once per element.
 *
 * Every function is prefixed tsl_. Ownership: whatever tsl_*_new returns is freed by the matching tsl_*_free.
 */
#define _GNU_SOURCE /* fopencookie */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>
#include <emscripten.h>

#include "pool.h"
#include "poolarch.h"
#include "repo.h"
#include "queue.h"
#include "bitmap.h"
#include "solver.h"
#include "solverdebug.h"
#include "selection.h"
#include "transaction.h"
#include "evr.h"
#include "testcase.h"
#include "repo_rpmmd.h"
#include "repo_solv.h"
#include "repo_repomdxml.h"
#include "pool_parserpmrichdep.h"

#define EXPORT __attribute__((used, visibility("default")))

/* ---- heap accounting (leak tests) ---- */

EXPORT int tsl_heap_used(void)
{
  struct mallinfo mi = mallinfo();
  return mi.uordblks;
}

/* ---- queues ---- */

EXPORT Queue *tsl_queue_new(void)
{
  Queue *q = solv_calloc(1, sizeof(Queue));
  queue_init(q);
  return q;
}

EXPORT void tsl_queue_free(Queue *q)
{
  if (!q)
    return;
  queue_free(q);
  solv_free(q);
}

EXPORT void tsl_queue_push(Queue *q, Id id) { queue_push(q, id); }
EXPORT void tsl_queue_push2(Queue *q, Id a, Id b) { queue_push2(q, a, b); }
EXPORT void tsl_queue_empty(Queue *q) { queue_empty(q); }
EXPORT int tsl_queue_count(Queue *q) { return q->count; }
EXPORT Id *tsl_queue_elements(Queue *q) { return q->elements; }

/* ---- pool ---- */

static void quiet(Pool *pool, void *data, int type, const char *str)
{
  (void)pool;
  (void)data;
  (void)type;
  (void)str;
}

/* Libraries never print: libsolv's debug and error messages (errors also go to pool_errstr) are dropped. */
EXPORT void tsl_pool_quiet(Pool *pool) { pool_setdebugcallback(pool, quiet, 0); }

EXPORT int tsl_pool_nsolvables(Pool *pool) { return pool->nsolvables; }
EXPORT Repo *tsl_pool_installed(Pool *pool) { return pool->installed; }
EXPORT const char *tsl_pool_errstr(Pool *pool) { return pool_errstr(pool); }

/* Remove the given solvables from consideration (dnf's excludes): they stay in their repos but the solver
   never picks them. An empty queue resets to "everything considered". */
EXPORT void tsl_pool_set_excludes(Pool *pool, Queue *excluded)
{
  int i;
  if (!excluded->count)
    {
      if (pool->considered)
        {
          map_free(pool->considered);
          pool->considered = solv_free(pool->considered);
        }
      return;
    }
  if (!pool->considered)
    {
      pool->considered = solv_calloc(1, sizeof(Map));
      map_init(pool->considered, pool->nsolvables);
    }
  else
    map_grow(pool->considered, pool->nsolvables);
  map_setall(pool->considered);
  for (i = 0; i < excluded->count; i++)
    if (excluded->elements[i] > 0 && excluded->elements[i] < pool->nsolvables)
      MAPCLR(pool->considered, excluded->elements[i]);
}

/* Ids of all solvables whose name is `name` (any repo). */
EXPORT void tsl_pool_whatprovides(Pool *pool, Id dep, Queue *out)
{
  Id p, pp;
  queue_empty(out);
  FOR_PROVIDES(p, pp, dep)
    queue_push(out, p);
}

/* ---- repos ---- */

EXPORT const char *tsl_repo_name(Repo *repo) { return repo->name; }
EXPORT int tsl_repo_nsolvables(Repo *repo) { return repo->nsolvables; }
EXPORT int tsl_repo_start(Repo *repo) { return repo->start; }
EXPORT int tsl_repo_end(Repo *repo) { return repo->end; }
EXPORT void tsl_repo_set_priority(Repo *repo, int priority, int subpriority)
{
  repo->priority = priority;
  repo->subpriority = subpriority;
}

static FILE *memfile(const unsigned char *buf, int len)
{
  /* fmemopen refuses a zero-length buffer; an empty document still has to reach the parser */
  static const char empty[1] = { 0 };
  FILE *fp = len <= 0 ? fmemopen((void *)empty, 0 + 1, "r") : fmemopen((void *)buf, (size_t)len, "r");
  /* Unbuffered: fread then copies straight from buf into the reader's block, instead of through a stdio buffer. */
  if (fp)
    setvbuf(fp, 0, _IONBF, 0);
  return fp;
}

/* A FILE that reads the JavaScript byte source `source` (registered by the binding on the module object as
   tslRead(source, ptr, len): copies up to len bytes to ptr, returns the count, 0 at the end, -1 on error).
   libsolv's parsers read 8 KiB blocks; unbuffered, each block is copied once, straight from the caller's bytes,
   so a large document is never copied whole into the wasm heap. */
EM_JS(int, tsl_js_read, (int source, char *buf, int len), { return Module["tslRead"](source, buf, len); });

static ssize_t source_read(void *cookie, char *buf, size_t len)
{
  return tsl_js_read((int)(intptr_t)cookie, buf, (int)len);
}

static FILE *sourcefile(int source)
{
  cookie_io_functions_t io = { source_read, 0, 0, 0 };
  FILE *fp = fopencookie((void *)(intptr_t)source, "r", io);
  if (fp)
    setvbuf(fp, 0, _IONBF, 0);
  return fp;
}

/* rpm-md primary.xml / filelists.xml / other.xml (libsolv detects which from the root element), read from a
   JavaScript byte source (see sourcefile). */
EXPORT int tsl_repo_add_rpmmd(Repo *repo, int source, int flags)
{
  FILE *fp = sourcefile(source);
  int r;
  if (!fp)
    return pool_error(repo->pool, -1, "fopencookie failed");
  r = repo_add_rpmmd(repo, fp, 0, flags);
  fclose(fp);
  return r;
}

EXPORT int tsl_repo_add_repomdxml(Repo *repo, const unsigned char *buf, int len, int flags)
{
  FILE *fp = memfile(buf, len);
  int r;
  if (!fp)
    return pool_error(repo->pool, -1, "fmemopen failed");
  r = repo_add_repomdxml(repo, fp, flags);
  fclose(fp);
  return r;
}

/* repo_write keeping each package's dependency lists in order (repo-write-ordered.c). */
int tsl_ordered_repo_write(Repo *repo, FILE *fp);

/* Writes `repo` in libsolv's binary .solv format to a malloc'ed buffer: returns it (NULL on error, see
   pool_errstr) and its length in *lenp; the caller frees it with free. Used to hand a repo parsed in one wasm
   instance (a worker thread) to another, which reads it back with tsl_repo_add_solv: dependency lists keep
   their order (repo-write-ordered.c), so the result is what parsing the rpm-md there would have given. */
EXPORT unsigned char *tsl_repo_write(Repo *repo, int *lenp)
{
  char *buf = 0;
  size_t len = 0;
  FILE *fp = open_memstream(&buf, &len);
  int r;
  *lenp = 0;
  if (!fp)
    {
      pool_error(repo->pool, -1, "open_memstream failed");
      return 0;
    }
  r = tsl_ordered_repo_write(repo, fp);
  if (fclose(fp) || r)
    {
      free(buf);
      if (!r)
        pool_error(repo->pool, -1, "repo_write: out of memory");
      return 0;
    }
  *lenp = (int)len;
  return (unsigned char *)buf;
}

/* Adds the packages of a .solv document (see tsl_repo_write), read from a JavaScript byte source. */
EXPORT int tsl_repo_add_solv(Repo *repo, int source, int flags)
{
  FILE *fp = sourcefile(source);
  int r;
  if (!fp)
    return pool_error(repo->pool, -1, "fopencookie failed");
  r = repo_add_solv(repo, fp, flags);
  fclose(fp);
  return r;
}

/* libsolv's "testtags" repository format (what testcases embed). */
EXPORT int tsl_repo_add_testtags(Repo *repo, const unsigned char *buf, int len, int flags)
{
  FILE *fp = memfile(buf, len);
  int r;
  if (!fp)
    return pool_error(repo->pool, -1, "fmemopen failed");
  r = testcase_add_testtags(repo, fp, flags);
  fclose(fp);
  return r;
}

/* ---- solvables ---- */

EXPORT Repo *tsl_solvable_repo(Pool *pool, Id p) { return pool->solvables[p].repo; }
EXPORT Id tsl_solvable_name(Pool *pool, Id p) { return pool->solvables[p].name; }
EXPORT Id tsl_solvable_evr(Pool *pool, Id p) { return pool->solvables[p].evr; }
EXPORT Id tsl_solvable_arch(Pool *pool, Id p) { return pool->solvables[p].arch; }
EXPORT int tsl_solvable_installable(Pool *pool, Id p)
{
  return pool_installable(pool, pool->solvables + p);
}
/* Solvable deps of one kind (SOLVABLE_REQUIRES, ...) into out, all of them (pre-requires included). */
EXPORT void tsl_solvable_deps(Pool *pool, Id p, Id keyname, Queue *out)
{
  queue_empty(out);
  solvable_lookup_deparray(pool->solvables + p, keyname, out, 0);
}

/* A solvable that is not yet in any repo, for hand-built repos (conformance tests, rpmdb loading). */
EXPORT Id tsl_repo_add_package(Repo *repo, const char *name, const char *evr, const char *arch)
{
  Pool *pool = repo->pool;
  Id p = repo_add_solvable(repo);
  Solvable *s = pool->solvables + p;
  s->name = pool_str2id(pool, name, 1);
  s->evr = pool_str2id(pool, evr, 1);
  s->arch = pool_str2id(pool, arch, 1);
  if (s->arch != ARCH_SRC && s->arch != ARCH_NOSRC)
    s->provides = repo_addid_dep(repo, s->provides, pool_rel2id(pool, s->name, s->evr, REL_EQ, 1), 0);
  return p;
}

/* Adds one dependency in rpm syntax: "foo", "foo >= 1.2", or a rich dependency "(a or b)". */
EXPORT int tsl_solvable_add_dep(Pool *pool, Id p, Id keyname, const char *dep)
{
  Solvable *s = pool->solvables + p;
  Id id = dep[0] == '(' ? pool_parserpmrichdep(pool, dep) : testcase_str2dep(pool, dep);
  if (!id)
    return -1;
  solvable_add_deparray(s, keyname, id, keyname == SOLVABLE_REQUIRES ? -SOLVABLE_PREREQMARKER : 0);
  return 0;
}

/* Build time and vendor: what libsolv compares (with name, evr, arch) to tell two builds of a package apart. */
EXPORT void tsl_solvable_set_buildtime(Pool *pool, Id p, unsigned int buildtime)
{
  solvable_set_num(pool->solvables + p, SOLVABLE_BUILDTIME, buildtime);
}
EXPORT void tsl_solvable_set_vendor(Pool *pool, Id p, const char *vendor)
{
  pool->solvables[p].vendor = pool_str2id(pool, vendor, 1);
}

/* ---- solver ---- */

EXPORT Transaction *tsl_solver_transaction(Solver *solv)
{
  return solver_create_transaction(solv);
}

/* Elements of one solution: out gets pairs (p, rp) as libsolv's solver_next_solutionelement yields them. */
EXPORT void tsl_solver_solution_elements(Solver *solv, Id problem, Id solution, Queue *out)
{
  Id p, rp, element = 0;
  queue_empty(out);
  while ((element = solver_next_solutionelement(solv, problem, solution, element, &p, &rp)) != 0)
    queue_push2(out, p, rp);
}

/* The rules behind one problem: out gets (type, source, target, dep) quadruples. */
EXPORT void tsl_solver_problem_rules(Solver *solv, Id problem, Queue *out)
{
  Queue rids;
  int i;
  queue_empty(out);
  queue_init(&rids);
  solver_findallproblemrules(solv, problem, &rids);
  for (i = 0; i < rids.count; i++)
    {
      Id source, target, dep;
      SolverRuleinfo type = solver_ruleinfo(solv, rids.elements[i], &source, &target, &dep);
      queue_push2(out, type, source);
      queue_push2(out, target, dep);
    }
  queue_free(&rids);
}

/* ---- transactions ---- */

EXPORT Queue *tsl_transaction_steps(Transaction *trans) { return &trans->steps; }

/* Classified steps in install order: (type, p, other) triples. other is the package p replaces/is replaced by. */
EXPORT void tsl_transaction_classified_steps(Transaction *trans, int mode, Queue *out)
{
  int i;
  queue_empty(out);
  for (i = 0; i < trans->steps.count; i++)
    {
      Id p = trans->steps.elements[i];
      Id type = transaction_type(trans, p, mode);
      Id other = transaction_obs_pkg(trans, p);
      queue_push2(out, type, p);
      queue_push(out, other);
    }
}

/* ---- testcases ---- */

/* Reads a testcase from memory. Returns the solver (NULL on error, see pool_errstr); job gets the jobs,
   *resultp (malloc'ed, may be NULL) the expected result text, *resultflagsp its flags. libsolv reports many
   testcase errors through pool_error and carries on; we treat any such message as a failure. */
EXPORT Solver *tsl_testcase_read(Pool *pool, const unsigned char *buf, int len, Queue *job, char **resultp, int *resultflagsp)
{
  FILE *fp = memfile(buf, len);
  Solver *solv;
  if (!fp)
    return 0;
  pool_error(pool, 0, "%s", "");
  solv = testcase_read(pool, fp, "<memory>", job, resultp, resultflagsp);
  fclose(fp);
  if (solv && pool_errstr(pool)[0])
    {
      solver_free(solv);
      return 0;
    }
  return solv;
}

/* "name-evr.arch" of a solvable id (pool_solvid2str is a static inline in pool.h). */
EXPORT const char *tsl_solvid2str(Pool *pool, Id p) { return pool_solvid2str(pool, p); }
