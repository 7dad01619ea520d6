/** repomd.xml: the index of an rpm-md repository (pure: bytes in, value out). */
import type { ParseError } from '@tsostree/errors';
import { XmlStream, type XmlHandler, type XmlLimits } from './xml-stream.js';
import type { RepoMd, RepoMdData, RpmMdChecksum } from './types.js';
import { checksumType, checksumValue, integer, location, type Fail } from './values.js';

const TEXT_ELEMENTS = new Set([
  'revision',
  'content',
  'repo',
  'distro',
  'checksum',
  'open-checksum',
  'header-checksum',
  'timestamp',
  'size',
  'open-size',
  'header-size',
  'database_version',
]);

class RepoMdHandler implements XmlHandler {
  readonly result: RepoMd = { tags: { content: [], repo: [], distro: [] }, data: [] };
  wantsText = false;
  #fail: Fail;
  #depth = 0;
  #text = '';
  #attributes: Record<string, string> = {};
  #data: Partial<RepoMdData> | undefined;
  #seen = new Set<string>();

  constructor(fail: Fail) {
    this.#fail = fail;
  }

  open(name: string, attributes: Record<string, string>): void {
    this.#depth++;
    if (this.#depth === 1) {
      if (name !== 'repomd') throw this.#fail(`root element is <${name}>, expected <repomd>`);
      return;
    }
    if (this.#depth === 2 && name === 'data') {
      const type = attributes.type;
      if (!type) throw this.#fail('<data> without type');
      if (this.#seen.has(type)) throw this.#fail(`two <data type="${type}"> entries`);
      this.#seen.add(type);
      this.#data = { type };
      return;
    }
    if (this.#depth === 3 && this.#data && name === 'location') {
      this.#data.location = location(attributes, this.#fail);
      return;
    }
    if (TEXT_ELEMENTS.has(name) && this.#depth <= 3) {
      this.wantsText = true;
      this.#text = '';
      this.#attributes = attributes;
    }
  }

  text(text: string): void {
    this.#text += text;
  }

  close(name: string): void {
    const depth = this.#depth--;
    const text = this.#text;
    const wanted = this.wantsText;
    this.wantsText = false;
    this.#text = '';
    if (depth === 2 && name === 'revision') {
      this.result.revision = text.trim();
    } else if (depth === 3 && !this.#data && wanted) {
      if (name === 'content') this.result.tags.content.push(text.trim());
      else if (name === 'repo') this.result.tags.repo.push(text.trim());
      else if (name === 'distro') {
        const cpeid = this.#attributes.cpeid;
        this.result.tags.distro.push(cpeid === undefined ? { name: text.trim() } : { cpeid, name: text.trim() });
      }
    } else if (depth === 3 && this.#data && wanted) {
      this.#dataField(this.#data, name, text);
    } else if (depth === 2 && name === 'data' && this.#data) {
      const data = this.#data;
      this.#data = undefined;
      if (!data.location) throw this.#fail(`<data type="${data.type}"> has no <location>`);
      if (!data.checksum) throw this.#fail(`<data type="${data.type}"> has no <checksum>`);
      this.result.data.push(data as RepoMdData);
    }
  }

  #dataField(data: Partial<RepoMdData>, name: string, text: string): void {
    const fail = this.#fail;
    const value = text.trim();
    switch (name) {
      case 'checksum':
        data.checksum = this.#checksum(value);
        break;
      case 'open-checksum':
        data.openChecksum = this.#checksum(value);
        break;
      case 'header-checksum':
        data.headerChecksum = this.#checksum(value);
        break;
      case 'timestamp':
        data.timestamp = integer(value, 'timestamp', fail);
        break;
      case 'size':
        data.size = integer(value, 'size', fail);
        break;
      case 'open-size':
        data.openSize = integer(value, 'open-size', fail);
        break;
      case 'header-size':
        data.headerSize = integer(value, 'header-size', fail);
        break;
      case 'database_version':
        data.databaseVersion = integer(value, 'database_version', fail);
        break;
    }
  }

  #checksum(text: string): RpmMdChecksum {
    const type = checksumType(this.#attributes.type, this.#fail);
    return { type, value: checksumValue(type, text, this.#fail) };
  }
}

/** Parses repomd.xml. Fails with `ParseError` on malformed XML, a DOCTYPE, or an unsafe or missing location. */
export function parseRepoMd(bytes: Uint8Array, limits: XmlLimits = {}): RepoMd {
  const holder: { xml?: XmlStream } = {};
  const fail = (message: string): ParseError => (holder.xml as XmlStream).error(message);
  const handler = new RepoMdHandler(fail);
  const xml = new XmlStream(handler, 'repomd.xml', limits);
  holder.xml = xml;
  xml.write(bytes);
  xml.close();
  return handler.result;
}
