/*
 * repo-write-ordered.c: libsolv's repo_write (src/repo_write.c of the same source) compiled a second time,
 * under other names, with each package's dependency lists written in their own order.
 *
 * Upstream repo_write stores dependency lists sorted by id (USE_REL_IDARRAY: smaller files); a repo read back
 * with repo_add_solv then has its provides/requires/… in another order than the rpm-md they were parsed from,
 * and the solver, which goes through requires in order, could decide ties differently. The binding uses .solv
 * only to move a repo parsed on a worker thread into the main pool (glue.c tsl_repo_write), where it must be
 * exactly what parsing the rpm-md there would have given. build.sh makes repo_write_ordered.c from upstream's
 * file by turning `#define USE_REL_IDARRAY` into `#undef` (plain id arrays, a format repo_add_solv reads as
 * well); nothing else changes. The renames keep upstream's repo_write (and testsolv's) as it is.
 */
#define repowriter_create tsl_ordered_repowriter_create
#define repowriter_free tsl_ordered_repowriter_free
#define repowriter_set_flags tsl_ordered_repowriter_set_flags
#define repowriter_set_keyfilter tsl_ordered_repowriter_set_keyfilter
#define repowriter_set_keyqueue tsl_ordered_repowriter_set_keyqueue
#define repowriter_set_repodatarange tsl_ordered_repowriter_set_repodatarange
#define repowriter_set_solvablerange tsl_ordered_repowriter_set_solvablerange
#define repowriter_set_userdata tsl_ordered_repowriter_set_userdata
#define repowriter_write tsl_ordered_repowriter_write
#define repo_write tsl_ordered_repo_write
#define repodata_write tsl_ordered_repodata_write
#define repo_write_stdkeyfilter tsl_ordered_repo_write_stdkeyfilter
#define repo_write_filtered tsl_ordered_repo_write_filtered
#define repodata_write_filtered tsl_ordered_repodata_write_filtered

#include "repo_write_ordered.c"
