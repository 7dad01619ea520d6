# Serializes a staged-deployment record with GLib itself, the way ostree builds it
# (ostree_sysroot_stage_tree_with_options), and prints the bytes as hex.
# usage: glib-variant.py JSON  — {"target": {...}, "locked": bool, "merge": {...}, "kargs": [...], "overlays": [...]}
import json
import sys

import gi

gi.require_version('GLib', '2.0')
from gi.repository import GLib  # noqa: E402

rec = json.loads(sys.argv[1])


def dep(d):
    # GLib's builder keeps insertion order: name, osname, bootcsum.
    return GLib.Variant('a{sv}', {
        'name': GLib.Variant('s', '%s.%d' % (d['checksum'], d['serial'])),
        'osname': GLib.Variant('s', d['stateroot']),
        'bootcsum': GLib.Variant('s', d['bootcsum']),
    })


out = {'target': dep(rec['target'])}
if rec.get('locked'):
    out['locked'] = GLib.Variant('b', True)
if rec.get('merge'):
    out['merge-deployment'] = dep(rec['merge'])
if rec.get('kargs') is not None:
    out['kargs'] = GLib.Variant('as', rec['kargs'])
if rec.get('overlays') is not None:
    out['overlay-initrds'] = GLib.Variant('as', rec['overlays'])
print(GLib.Variant('a{sv}', out).get_data_as_bytes().get_data().hex())
