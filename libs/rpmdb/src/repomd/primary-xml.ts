/** primary.xml: one typed record per `<package>`, streamed (pure: bytes in, records out). */
import type { XmlHandler } from './xml-stream.js';
import type { RpmMdDependencies, RpmMdDependency, RpmMdFile, RpmMdFileType, RpmMdPackage } from './types.js';
import { checksumType, checksumValue, depFlags, integer, location, type Fail } from './values.js';

export interface PackageLimits {
  /** Most dependency entries plus files in one package. Default 1,000,000. */
  maxItemsPerPackage?: number;
}

export const DEFAULT_MAX_ITEMS_PER_PACKAGE = 1_000_000;

const DEP_ELEMENTS: Record<string, keyof RpmMdDependencies> = {
  'rpm:provides': 'provides',
  'rpm:requires': 'requires',
  'rpm:conflicts': 'conflicts',
  'rpm:obsoletes': 'obsoletes',
  'rpm:recommends': 'recommends',
  'rpm:suggests': 'suggests',
  'rpm:supplements': 'supplements',
  'rpm:enhances': 'enhances',
};

const TEXT_FIELDS: Record<string, 'name' | 'arch' | 'summary' | 'description' | 'packager' | 'url' | 'license' | 'vendor' | 'group' | 'buildhost' | 'sourcerpm'> = {
  name: 'name',
  arch: 'arch',
  summary: 'summary',
  description: 'description',
  packager: 'packager',
  url: 'url',
  'rpm:license': 'license',
  'rpm:vendor': 'vendor',
  'rpm:group': 'group',
  'rpm:buildhost': 'buildhost',
  'rpm:sourcerpm': 'sourcerpm',
};

export function fileType(value: string | undefined, fail: Fail): RpmMdFileType {
  if (value === undefined || value === 'file') return 'file';
  if (value === 'dir' || value === 'ghost') return value;
  throw fail(`unknown file type ${JSON.stringify(value.slice(0, 200))}`);
}

function emptyPackage(packageType: string): RpmMdPackage {
  return {
    packageType,
    name: '',
    epoch: 0,
    version: '',
    release: '',
    arch: '',
    checksum: { type: 'sha256', value: '', pkgid: false },
    summary: '',
    description: '',
    packager: '',
    url: '',
    time: { file: 0, build: 0 },
    size: { package: 0, installed: 0, archive: 0 },
    location: { href: '' },
    license: '',
    vendor: '',
    group: '',
    buildhost: '',
    sourcerpm: '',
    headerRange: { start: 0, end: 0 },
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    recommends: [],
    suggests: [],
    supplements: [],
    enhances: [],
    files: [],
  };
}

/** The SAX handler for primary.xml; `emit` receives each completed package. */
export class PrimaryHandler implements XmlHandler {
  wantsText = false;
  readonly #emit: (pkg: RpmMdPackage) => void;
  readonly #fail: Fail;
  readonly #maxItems: number;
  #depth = 0;
  #pkg: RpmMdPackage | undefined;
  #items = 0;
  #seenVersion = false;
  #deps: RpmMdDependency[] | undefined;
  #text = '';
  #textField: string | undefined;
  #attributes: Record<string, string> = {};
  /** Number of packages announced by `<metadata packages="N">`, if any. */
  announced: number | undefined;
  count = 0;

  constructor(emit: (pkg: RpmMdPackage) => void, fail: Fail, limits: PackageLimits = {}) {
    this.#emit = emit;
    this.#fail = fail;
    this.#maxItems = limits.maxItemsPerPackage ?? DEFAULT_MAX_ITEMS_PER_PACKAGE;
  }

  open(name: string, attributes: Record<string, string>): void {
    const depth = ++this.#depth;
    if (depth === 1) {
      if (name !== 'metadata') throw this.#fail(`root element is <${name}>, expected <metadata>`);
      if (attributes.packages !== undefined) this.announced = integer(attributes.packages, 'packages', this.#fail);
      return;
    }
    if (depth === 2) {
      if (name === 'package') {
        this.#pkg = emptyPackage(attributes.type ?? 'rpm');
        this.#items = 0;
        this.#seenVersion = false;
      }
      return;
    }
    const pkg = this.#pkg;
    if (!pkg) return;
    if (name === 'rpm:entry') {
      if (this.#deps) this.#entry(this.#deps, attributes);
      return;
    }
    if (TEXT_FIELDS[name] !== undefined || name === 'checksum' || name === 'file') {
      this.wantsText = true;
      this.#text = '';
      this.#textField = name;
      this.#attributes = attributes;
      return;
    }
    const fail = this.#fail;
    switch (name) {
      case 'version':
        pkg.epoch = integer(attributes.epoch, 'epoch', fail);
        pkg.version = attributes.ver ?? '';
        pkg.release = attributes.rel ?? '';
        this.#seenVersion = true;
        break;
      case 'time':
        pkg.time = { file: integer(attributes.file, 'time file', fail), build: integer(attributes.build, 'time build', fail) };
        break;
      case 'size':
        pkg.size = {
          package: integer(attributes.package, 'size package', fail),
          installed: integer(attributes.installed, 'size installed', fail),
          archive: integer(attributes.archive, 'size archive', fail),
        };
        break;
      case 'location':
        pkg.location = location(attributes, fail);
        break;
      case 'rpm:header-range':
        pkg.headerRange = {
          start: integer(attributes.start, 'header-range start', fail),
          end: integer(attributes.end, 'header-range end', fail),
        };
        break;
      default: {
        const kind = DEP_ELEMENTS[name];
        if (kind !== undefined) this.#deps = pkg[kind];
      }
    }
  }

  text(text: string): void {
    this.#text += text;
  }

  close(name: string): void {
    const depth = this.#depth--;
    const pkg = this.#pkg;
    if (!pkg) return;
    if (this.wantsText && name === this.#textField) {
      this.wantsText = false;
      this.#textField = undefined;
      const text = this.#text;
      this.#text = '';
      if (name === 'checksum') {
        const type = checksumType(this.#attributes.type, this.#fail);
        pkg.checksum = { type, value: checksumValue(type, text, this.#fail), pkgid: this.#attributes.pkgid === 'YES' };
      } else if (name === 'file') {
        this.#count();
        pkg.files.push(fileRecord(text, this.#attributes.type, this.#fail));
      } else {
        const field = TEXT_FIELDS[name];
        if (field !== undefined) pkg[field] = text;
      }
      return;
    }
    if (DEP_ELEMENTS[name] !== undefined) {
      this.#deps = undefined;
      return;
    }
    if (depth === 2 && name === 'package') {
      this.#pkg = undefined;
      this.#finish(pkg);
    }
  }

  #entry(list: RpmMdDependency[], attributes: Record<string, string>): void {
    this.#count();
    const name = attributes.name;
    if (!name) throw this.#fail('rpm:entry without name');
    const dep: RpmMdDependency = { name };
    const flags = depFlags(attributes.flags, this.#fail);
    if (flags !== undefined) dep.flags = flags;
    if (attributes.epoch !== undefined) dep.epoch = integer(attributes.epoch, 'entry epoch', this.#fail);
    if (attributes.ver !== undefined) dep.version = attributes.ver;
    if (attributes.rel !== undefined) dep.release = attributes.rel;
    if (attributes.pre === '1' || attributes.pre === 'true') dep.pre = true;
    list.push(dep);
  }

  #count(): void {
    if (++this.#items > this.#maxItems) {
      throw this.#fail(`package has more than ${this.#maxItems} dependencies and files`);
    }
  }

  #finish(pkg: RpmMdPackage): void {
    const missing = !pkg.name
      ? 'name'
      : !pkg.arch
        ? 'arch'
        : !this.#seenVersion || !pkg.version
          ? 'version'
          : !pkg.checksum.value
            ? 'checksum'
            : !pkg.location.href
              ? 'location'
              : undefined;
    if (missing) throw this.#fail(`package ${JSON.stringify(pkg.name)} has no ${missing}`);
    this.count++;
    this.#emit(pkg);
  }
}

export function fileRecord(path: string, type: string | undefined, fail: Fail): RpmMdFile {
  if (path === '') throw fail('empty <file>');
  return { path, type: fileType(type, fail) };
}
