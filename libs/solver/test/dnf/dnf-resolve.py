#!/usr/bin/python3
# Resolves one request with Debian's dnf (its Python API, the same code path as the dnf CLI) and prints the
# transaction as JSON: {"ok": true, "install": [nevra...], "remove": [nevra...]} or {"ok": false, "error": "..."}.
#
#   dnf-resolve.py <installroot> <cachedir> <request.json>
# request.json: {"repos": [{"id", "baseurl", "priority"}], "op": "install|remove|upgrade|upgrade-all|distro-sync",
#                "specs": [...], "best": bool, "weak": bool, "allowerasing": bool}
import json
import sys

import dnf
import dnf.exceptions

root, cachedir, request_file = sys.argv[1:4]
with open(request_file) as f:
    req = json.load(f)

base = dnf.Base()
conf = base.conf
conf.installroot = root
conf.cachedir = cachedir
conf.reposdir = []
conf.substitutions['releasever'] = '1'
conf.best = req.get('best', True)
conf.install_weak_deps = req.get('weak', True)
conf.gpgcheck = False
conf.assumeno = True
for r in req['repos']:
    repo = base.repos.add_new_repo(r['id'], conf, baseurl=[r['baseurl']], gpgcheck=False)
    repo.priority = r.get('priority', 99)
    repo.metadata_expire = 0

def nevra(pkg):
    epoch = '' if not pkg.epoch else '%d:' % pkg.epoch
    return '%s-%s%s-%s.%s' % (pkg.name, epoch, pkg.version, pkg.release, pkg.arch)

try:
    base.fill_sack(load_system_repo=True, load_available_repos=True)
    op = req['op']
    for spec in req.get('specs', []):
        if op == 'install':
            base.install(spec)
        elif op == 'remove':
            base.remove(spec)
        elif op == 'upgrade':
            base.upgrade(spec)
        elif op == 'distro-sync':
            base.distro_sync(spec)
    if op == 'upgrade-all':
        base.upgrade_all()
    elif op == 'distro-sync' and not req.get('specs'):
        base.distro_sync()
    base.resolve(allow_erasing=req.get('allowerasing', False))
    out = {
        'ok': True,
        'install': sorted(nevra(p) for p in base.transaction.install_set),
        'remove': sorted(nevra(p) for p in base.transaction.remove_set),
    }
except dnf.exceptions.Error as e:
    out = {'ok': False, 'error': str(e)}
print(json.dumps(out))
