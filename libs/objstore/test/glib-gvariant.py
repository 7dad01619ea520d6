#!/usr/bin/python3
"""GLib's side of the GVariant differential tests (run by src/format/gvariant/*.test.ts).

Reads one JSON request per line on stdin, answers one JSON line per request on stdout:
  {"op": "build", "type": T, "value": J}  -> {"bytes": hex}   (GLib serializes the value)
  {"op": "parse", "type": T, "bytes": hex} -> {"normal": bool, "value": J}  (GLib reads the bytes)
  {"op": "print", "type": T, "value": J}  -> {"annotated": g_variant_print(v, TRUE), "plain": g_variant_print(v, FALSE)}
J is the tagged JSON form documented in test/gvariant-json.ts.
"""
import json
import struct
import sys

from gi.repository import GLib


def scan(s, p):
    """Returns the position just after the complete type starting at s[p]."""
    c = s[p]
    if c in 'am':
        return scan(s, p + 1)
    if c in '({':
        p += 1
        while s[p] not in ')}':
            p = scan(s, p)
        return p + 1
    return p + 1


def members(s):
    out = []
    p = 1
    while s[p] not in ')}':
        q = scan(s, p)
        out.append(s[p:q])
        p = q
    return out


def build(s, j):
    c = s[0]
    if c == 'y': return GLib.Variant.new_byte(j)
    if c == 'b': return GLib.Variant.new_boolean(j)
    if c == 'n': return GLib.Variant.new_int16(j)
    if c == 'q': return GLib.Variant.new_uint16(j)
    if c == 'i': return GLib.Variant.new_int32(j)
    if c == 'u': return GLib.Variant.new_uint32(j)
    if c == 'h': return GLib.Variant.new_handle(j)
    if c == 'x': return GLib.Variant.new_int64(int(j))
    if c == 't': return GLib.Variant.new_uint64(int(j))
    if c == 'd': return GLib.Variant.new_double(struct.unpack('<d', bytes.fromhex(j))[0])
    if c == 's': return GLib.Variant.new_string(j)
    if c == 'o': return GLib.Variant.new_object_path(j)
    if c == 'g': return GLib.Variant.new_signature(j)
    if c == 'v': return GLib.Variant.new_variant(build(j[0], j[1]))
    if c == 'm':
        el = s[1:]
        if j is None:
            return GLib.Variant.new_maybe(GLib.VariantType.new(el), None)
        return GLib.Variant.new_maybe(None, build(el, j[0]))
    if c == 'a':
        el = s[1:]
        elt = GLib.VariantType.new(el)
        if s == 'ay':
            data = bytes.fromhex(j)
            if len(data) > 64:
                # Byte arrays are serialized as the raw bytes; building big ones element by element is slow.
                return GLib.Variant.new_from_bytes(GLib.VariantType.new('ay'), GLib.Bytes.new(data), False)
            return GLib.Variant.new_array(elt, [GLib.Variant.new_byte(b) for b in data])
        return GLib.Variant.new_array(elt, [build(el, x) for x in j])
    if c == '{':
        k, v = members(s)
        return GLib.Variant.new_dict_entry(build(k, j[0]), build(v, j[1]))
    if c == '(':
        return GLib.Variant.new_tuple(*[build(m, j[i]) for i, m in enumerate(members(s))])
    raise ValueError(s)


def dump(v):
    s = v.get_type_string()
    c = s[0]
    if c == 'y': return v.get_byte()
    if c == 'b': return v.get_boolean()
    if c == 'n': return v.get_int16()
    if c == 'q': return v.get_uint16()
    if c == 'i': return v.get_int32()
    if c == 'u': return v.get_uint32()
    if c == 'h': return v.get_handle()
    if c == 'x': return str(v.get_int64())
    if c == 't': return str(v.get_uint64())
    if c == 'd': return struct.pack('<d', v.get_double()).hex()
    if c in 'sog': return v.get_string()
    if c == 'v':
        inner = v.get_variant()
        return [inner.get_type_string(), dump(inner)]
    if c == 'm':
        return None if v.n_children() == 0 else [dump(v.get_child_value(0))]
    if s == 'ay':
        return bytes(v.get_data_as_bytes().get_data()).hex()
    return [dump(v.get_child_value(i)) for i in range(v.n_children())]


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req['op'] == 'build':
            v = build(req['type'], req['value'])
            out = {'bytes': bytes(v.get_data_as_bytes().get_data()).hex()}
        elif req['op'] == 'parse-text':
            try:
                v = GLib.Variant.parse(GLib.VariantType.new(req['type']) if req.get('type') else None, req['text'], None, None)
                out = {'type': v.get_type_string(), 'value': dump(v)}
            except GLib.Error as e:
                out = {'error': e.message}
        elif req['op'] == 'print':
            v = build(req['type'], req['value'])
            out = {'annotated': v.print_(True), 'plain': v.print_(False)}
        else:
            data = bytes.fromhex(req['bytes'])
            v = GLib.Variant.new_from_bytes(GLib.VariantType.new(req['type']), GLib.Bytes.new(data), False)
            normal = v.is_normal_form()
            out = {'normal': normal, 'value': dump(v) if normal else None}
        sys.stdout.write(json.dumps(out) + '\n')
    sys.stdout.flush()


main()
