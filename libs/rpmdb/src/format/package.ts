/**
 * The layout of an RPM file (rpm's lib/rpmlead.c and lib/package.c):
 *
 *   lead (96 bytes) · signature header (+ zero padding to a multiple of 8) · main header · payload
 *
 * The lead is legacy: magic `ed ab ee db`, format 3.0, type (0 binary, 1 source), arch number,
 * a 66-byte NUL-padded name, OS number, signature type (5 = header-style signatures), 16 reserved
 * bytes. Everything real lives in the two headers.
 */
import { ParseError } from '@tsostree/errors';
import { HEADER_MAGIC, HEADER_MAX_DATA, HEADER_MAX_ENTRIES, REGION_TAGS, parseHeader, type Header } from './header.js';

export const LEAD_SIZE = 96;
export const LEAD_MAGIC = Uint8Array.of(0xed, 0xab, 0xee, 0xdb);

export interface RpmLead {
  major: number;
  minor: number;
  /** 0 for a binary package, 1 for a source package. */
  type: number;
  archnum: number;
  name: string;
  osnum: number;
  signatureType: number;
}

export function parseLead(bytes: Uint8Array, offset = 0): RpmLead {
  if (bytes.length < offset + LEAD_SIZE) throw new ParseError('rpm lead: truncated (need 96 bytes)', { offset: bytes.length });
  for (let i = 0; i < 4; i++) {
    if (bytes[offset + i] !== LEAD_MAGIC[i]) throw new ParseError('rpm lead: bad magic (not an RPM file)', { offset: offset + i });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset, LEAD_SIZE);
  const major = v.getUint8(4);
  if (major !== 3 && major !== 4) throw new ParseError(`rpm lead: unsupported format version ${major}`, { offset: offset + 4 });
  const nameBytes = bytes.subarray(offset + 10, offset + 76);
  const nul = nameBytes.indexOf(0);
  const signatureType = v.getUint16(78);
  if (signatureType !== 5) throw new ParseError(`rpm lead: unsupported signature type ${signatureType}`, { offset: offset + 78 });
  return {
    major,
    minor: v.getUint8(5),
    type: v.getUint16(6),
    archnum: v.getUint16(8),
    name: new TextDecoder().decode(nul < 0 ? nameBytes : nameBytes.subarray(0, nul)),
    osnum: v.getUint16(76),
    signatureType,
  };
}

export function serializeLead(lead: RpmLead): Uint8Array {
  const out = new Uint8Array(LEAD_SIZE);
  const v = new DataView(out.buffer);
  out.set(LEAD_MAGIC);
  v.setUint8(4, lead.major);
  v.setUint8(5, lead.minor);
  v.setUint16(6, lead.type);
  v.setUint16(8, lead.archnum);
  out.set(new TextEncoder().encode(lead.name).subarray(0, 65), 10);
  v.setUint16(76, lead.osnum);
  v.setUint16(78, lead.signatureType);
  return out;
}

/**
 * The total size in bytes of the header (with magic) that starts at `offset`, from its first 16
 * bytes; `undefined` when fewer than 16 bytes are available. Lets streaming readers know how much
 * to read next.
 */
export function headerSizeAt(bytes: Uint8Array, offset: number): number | undefined {
  if (bytes.length < offset + 16) return undefined;
  for (let i = 0; i < 8; i++) {
    if (bytes[offset + i] !== HEADER_MAGIC[i]) throw new ParseError('rpm header: bad magic', { offset: offset + i });
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset + offset + 8, 8);
  const il = v.getUint32(0);
  const dl = v.getUint32(4);
  if (il < 1 || il > HEADER_MAX_ENTRIES) throw new ParseError(`rpm header: index entry count ${il} out of range`, { offset: offset + 8 });
  if (dl > HEADER_MAX_DATA) throw new ParseError(`rpm header: data size ${dl} out of range`, { offset: offset + 12 });
  return 16 + il * 16 + dl;
}

/** Zero padding after the signature header, to a multiple of 8 bytes. */
export function signaturePadding(signatureSize: number): number {
  return (8 - (signatureSize % 8)) % 8;
}

export interface RpmPackageHeaders {
  lead: RpmLead;
  signature: Header;
  header: Header;
  /** Offset of the main header (its magic) in the file. */
  headerOffset: number;
  /** Offset of the payload: the first byte after the main header. */
  payloadOffset: number;
  /** The main header's bytes as stored (what the SHA-1/SHA-256 header digests cover). */
  headerBytes: Uint8Array;
}

/**
 * How many bytes from the start of an RPM file are needed to make progress parsing lead and both
 * headers, given the bytes read so far. When the answer is not more than `bytes.length`, the
 * prefix is complete and `parsePackageHeaders(bytes)` can run; otherwise read up to that length
 * and ask again.
 */
export function packageBytesNeeded(bytes: Uint8Array): number {
  if (bytes.length < LEAD_SIZE + 16) return LEAD_SIZE + 16;
  parseLead(bytes);
  const sigSize = headerSizeAt(bytes, LEAD_SIZE)!;
  const headerOffset = LEAD_SIZE + sigSize + signaturePadding(sigSize);
  const headerSize = headerSizeAt(bytes, headerOffset);
  if (headerSize === undefined) return headerOffset + 16;
  return headerOffset + headerSize;
}

/** Parses lead, signature header and main header from the start of an RPM file. */
export function parsePackageHeaders(bytes: Uint8Array): RpmPackageHeaders {
  const lead = parseLead(bytes);
  const sig = parseHeader(bytes, { offset: LEAD_SIZE });
  if (sig.header.regionTag !== undefined && sig.header.regionTag !== REGION_TAGS.HEADERSIGNATURES) {
    throw new ParseError(`rpm signature header: unexpected region tag ${sig.header.regionTag}`, { offset: LEAD_SIZE + 16 });
  }
  const pad = signaturePadding(sig.end - LEAD_SIZE);
  const headerOffset = sig.end + pad;
  if (bytes.length < headerOffset) throw new ParseError('rpm: truncated in the signature padding', { offset: bytes.length });
  const main = parseHeader(bytes, { offset: headerOffset });
  if (main.header.regionTag !== REGION_TAGS.HEADERIMMUTABLE) {
    throw new ParseError('rpm header: main header has no immutable region', { offset: headerOffset + 16 });
  }
  return {
    lead,
    signature: sig.header,
    header: main.header,
    headerOffset,
    payloadOffset: main.end,
    headerBytes: bytes.subarray(headerOffset, main.end),
  };
}
