# Drives libostree 2022.7 through GObject introspection for operations `ostree admin` 2022.7 has
# no verb for (set-default / rollback = write_deployments with a reordered list).
# usage: libostree.py SYSROOT set-default INDEX
import sys

import gi

gi.require_version('OSTree', '1.0')
from gi.repository import Gio, OSTree  # noqa: E402

root, verb = sys.argv[1], sys.argv[2]
sysroot = OSTree.Sysroot.new(Gio.File.new_for_path(root))
sysroot.load(None)
sysroot.lock()
deployments = sysroot.get_deployments()
if verb == 'set-default':
    index = int(sys.argv[3])
    new = [deployments[index]] + [d for i, d in enumerate(deployments) if i != index]
    sysroot.write_deployments(new, None)
else:
    raise SystemExit('unknown verb ' + verb)
sysroot.unlock()
