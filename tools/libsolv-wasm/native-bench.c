/*
 * native-bench.c: the native baseline for tools/bench/suites/solver.bench.ts. Built by `build.sh --native` from
 * the same libsolv sources as the WebAssembly module, it does what the libsolv-wasm backend does on the same
 * input: load rpm-md primary.xml files (available repo, optionally an installed one), prepare the pool, and
 * solve one request with the backend's solver flags.
 *
 *   native-bench <available-primary.xml> <installed-primary.xml|-> load
 *   native-bench <available-primary.xml> <installed-primary.xml|-> install <names-file>
 *   native-bench <available-primary.xml> <installed-primary.xml|-> update
 *
 * Prints "load_ms=... solve_ms=... steps=..." on stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "pool.h"
#include "repo.h"
#include "queue.h"
#include "solver.h"
#include "selection.h"
#include "transaction.h"
#include "repo_rpmmd.h"

static double now_ms(void)
{
  struct timeval tv;
  gettimeofday(&tv, 0);
  return tv.tv_sec * 1000.0 + tv.tv_usec / 1000.0;
}

static Repo *load(Pool *pool, const char *name, const char *path)
{
  Repo *repo = repo_create(pool, name);
  FILE *fp = fopen(path, "r");
  if (!fp)
    {
      perror(path);
      exit(1);
    }
  if (repo_add_rpmmd(repo, fp, 0, REPO_NO_INTERNALIZE))
    {
      fprintf(stderr, "%s: %s\n", path, pool_errstr(pool));
      exit(1);
    }
  fclose(fp);
  repo_internalize(repo);
  return repo;
}

int main(int argc, char **argv)
{
  Pool *pool;
  Repo *installed = 0;
  Queue job;
  Solver *solv;
  Transaction *trans;
  double t0, t1, t2;
  int nsteps = 0;

  if (argc < 4)
    {
      fprintf(stderr, "usage: native-bench <primary.xml> <installed.xml|-> load|install <names>|update\n");
      return 2;
    }
  t0 = now_ms();
  pool = pool_create();
  pool_setdisttype(pool, DISTTYPE_RPM);
  pool_setarch(pool, "x86_64");
  pool_setarchpolicy(pool, "x86_64");
  if (strcmp(argv[2], "-") != 0)
    {
      installed = load(pool, "@System", argv[2]);
      pool_set_installed(pool, installed);
    }
  load(pool, "available", argv[1]);
  pool_addfileprovides(pool);
  pool_createwhatprovides(pool);
  t1 = now_ms();

  queue_init(&job);
  if (!strcmp(argv[3], "install") && argc > 4)
    {
      char line[1024];
      FILE *fp = fopen(argv[4], "r");
      if (!fp)
        {
          perror(argv[4]);
          return 1;
        }
      while (fgets(line, sizeof(line), fp))
        {
          Queue sel;
          int i;
          line[strcspn(line, "\n")] = 0;
          if (!*line)
            continue;
          queue_init(&sel);
          selection_make(pool, &sel, line, SELECTION_NAME | SELECTION_PROVIDES | SELECTION_GLOB | SELECTION_CANON | SELECTION_DOTARCH | SELECTION_REL);
          for (i = 0; i + 1 < sel.count; i += 2)
            queue_push2(&job, sel.elements[i] | SOLVER_INSTALL | SOLVER_FORCEBEST, sel.elements[i + 1]);
          queue_free(&sel);
        }
      fclose(fp);
    }
  else if (!strcmp(argv[3], "update"))
    queue_push2(&job, SOLVER_UPDATE | SOLVER_SOLVABLE_ALL | SOLVER_FORCEBEST, 0);

  if (strcmp(argv[3], "load") != 0)
    {
      int i;
      if (installed)
        for (i = installed->start; i < installed->end; i++)
          if (pool->solvables[i].repo == installed)
            queue_push2(&job, SOLVER_USERINSTALLED | SOLVER_SOLVABLE, i);
      solv = solver_create(pool);
      solver_set_flag(solv, SOLVER_FLAG_ALLOW_VENDORCHANGE, 1);
      solver_set_flag(solv, SOLVER_FLAG_DUP_ALLOW_VENDORCHANGE, 1);
      solver_set_flag(solv, SOLVER_FLAG_KEEP_ORPHANS, 1);
      solver_set_flag(solv, SOLVER_FLAG_BEST_OBEY_POLICY, 1);
      solver_set_flag(solv, SOLVER_FLAG_YUM_OBSOLETES, 1);
      if (solver_solve(solv, &job))
        {
          fprintf(stderr, "%d problems, first: %s\n", solver_problem_count(solv), solver_problem2str(solv, 1));
          return 1;
        }
      trans = solver_create_transaction(solv);
      transaction_order(trans, 0);
      nsteps = trans->steps.count;
      transaction_free(trans);
      solver_free(solv);
    }
  t2 = now_ms();
  printf("load_ms=%.1f solve_ms=%.1f steps=%d\n", t1 - t0, t2 - t1, nsteps);
  queue_free(&job);
  pool_free(pool);
  return 0;
}
