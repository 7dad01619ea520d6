/**
 * Splits an uncompressed primary.xml at `<package` boundaries into parts that each parse on their own: every
 * part is `head + body + tail`, where head is everything before the first package (XML declaration, the
 * `<metadata …>` start tag with its namespaces) and tail closes the root element. Concatenated in order, the
 * bodies are exactly the packages of the document, so parsing the parts one after the other adds the same
 * packages in the same order as parsing the whole document.
 *
 * Only documents shaped like createrepo's are split: root element `<metadata`, packages as unprefixed
 * `<package …>` elements, nothing but white space after the root element. Anything else returns undefined and
 * is parsed as one document.
 *
 * The cuts are found by a byte search, not by parsing, so a cut can land where `<package` is not a package's
 * start tag (inside a comment, a CDATA section, a nested element). The document is not scanned for those
 * (that scan would cost as much as a part's parse): such a cut leaves the part before it unterminated (an open
 * comment, CDATA section or element when the root is closed), that part then fails to parse, and the caller
 * parses the whole document again in one piece. A part before a correct cut ends at depth one, between two
 * packages, exactly where the whole document's parser would be.
 */
export interface RpmmdParts {
  head: Uint8Array;
  bodies: Uint8Array[];
  tail: Uint8Array;
}

const encoder = new TextEncoder();
const PACKAGE = encoder.encode('<package');
const CLOSE = encoder.encode('</metadata>');
const TAIL = encoder.encode('\n</metadata>\n');

/** Whether the byte ends a tag name (`<package` followed by this is a package element, not `<packager>`). */
function endsName(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x3e || byte === 0x2f;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The next `<package` element start at or after `from`, or -1. */
function nextPackage(buf: Buffer, from: number, end: number): number {
  for (let at = buf.indexOf(PACKAGE, from); at !== -1 && at < end; at = buf.indexOf(PACKAGE, at + 1)) {
    if (endsName(buf[at + PACKAGE.length])) return at;
  }
  return -1;
}

/**
 * Splits `xml` into `parts` pieces, or returns undefined when it should not be split. The first piece is
 * `firstWeight` times the size of each of the others (all equal by default).
 */
export function splitPrimary(xml: Uint8Array, parts: number, firstWeight = 1): RpmmdParts | undefined {
  if (parts < 2) return undefined;
  const buf = asBuffer(xml);
  const first = nextPackage(buf, 0, buf.length);
  if (first === -1) return undefined;
  const head = buf.subarray(0, first);
  // The head must hold the root start tag and nothing else that could be unbalanced.
  const root = head.indexOf('<metadata');
  if (root === -1 || !endsName(head[root + '<metadata'.length]) || head.indexOf('<', root + 1) !== -1) return undefined;
  const close = buf.lastIndexOf(CLOSE);
  if (close === -1 || close < first) return undefined;
  // Nothing but white space may follow the root element (the parts end with their own closing tag).
  for (let at = close + CLOSE.length; at < buf.length; at++) if (!endsName(buf[at]) || buf[at] === 0x3e || buf[at] === 0x2f) return undefined;
  const bodies: Uint8Array[] = [];
  let start = first;
  for (let k = 1; k < parts; k++) {
    const target = first + Math.floor(((close - first) * (firstWeight + k - 1)) / (firstWeight + parts - 1));
    if (target <= start) continue;
    const cut = nextPackage(buf, target, close);
    if (cut === -1) break;
    if (cut > start) {
      bodies.push(buf.subarray(start, cut));
      start = cut;
    }
  }
  bodies.push(buf.subarray(start, close));
  if (bodies.length < 2) return undefined;
  return { head, bodies, tail: TAIL };
}
