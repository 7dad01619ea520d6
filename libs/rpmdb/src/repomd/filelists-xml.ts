/** filelists.xml and other.xml: per-package file lists and changelogs, streamed (pure: bytes in, records out). */
import type { XmlHandler } from './xml-stream.js';
import type { RpmMdFilelistsPackage, RpmMdNevra, RpmMdOtherPackage } from './types.js';
import { DEFAULT_MAX_ITEMS_PER_PACKAGE, fileRecord, type PackageLimits } from './primary-xml.js';
import { integer, type Fail } from './values.js';

/** Shared shape of filelists.xml and other.xml: `<root><package pkgid name arch><version/>…items…</package>`. */
abstract class PerPackageHandler<T extends RpmMdNevra & { pkgid: string }> implements XmlHandler {
  wantsText = false;
  announced: number | undefined;
  count = 0;
  protected readonly fail: Fail;
  protected pkg: T | undefined;
  protected text_ = '';
  protected attributes: Record<string, string> = {};
  readonly #emit: (pkg: T) => void;
  readonly #root: string;
  readonly #item: string;
  readonly #maxItems: number;
  #depth = 0;
  #items = 0;
  #seenVersion = false;

  constructor(root: string, item: string, emit: (pkg: T) => void, fail: Fail, limits: PackageLimits) {
    this.#root = root;
    this.#item = item;
    this.#emit = emit;
    this.fail = fail;
    this.#maxItems = limits.maxItemsPerPackage ?? DEFAULT_MAX_ITEMS_PER_PACKAGE;
  }

  protected abstract create(nevra: RpmMdNevra, pkgid: string): T;
  protected abstract addItem(pkg: T, text: string): void;

  open(name: string, attributes: Record<string, string>): void {
    const depth = ++this.#depth;
    if (depth === 1) {
      if (name !== this.#root) throw this.fail(`root element is <${name}>, expected <${this.#root}>`);
      if (attributes.packages !== undefined) this.announced = integer(attributes.packages, 'packages', this.fail);
      return;
    }
    if (depth === 2 && name === 'package') {
      const { pkgid, name: pkgName, arch } = attributes;
      if (!pkgid) throw this.fail('<package> without pkgid');
      if (!pkgName) throw this.fail('<package> without name');
      if (!arch) throw this.fail('<package> without arch');
      this.pkg = this.create({ name: pkgName, arch, epoch: 0, version: '', release: '' }, pkgid.toLowerCase());
      this.#items = 0;
      this.#seenVersion = false;
      return;
    }
    const pkg = this.pkg;
    if (depth !== 3 || !pkg) return;
    if (name === 'version') {
      pkg.epoch = integer(attributes.epoch, 'epoch', this.fail);
      pkg.version = attributes.ver ?? '';
      pkg.release = attributes.rel ?? '';
      this.#seenVersion = true;
    } else if (name === this.#item) {
      if (++this.#items > this.#maxItems) throw this.fail(`package has more than ${this.#maxItems} <${name}> entries`);
      this.wantsText = true;
      this.text_ = '';
      this.attributes = attributes;
    }
  }

  text(text: string): void {
    this.text_ += text;
  }

  close(name: string): void {
    const depth = this.#depth--;
    const pkg = this.pkg;
    if (!pkg) return;
    if (depth === 3 && this.wantsText && name === this.#item) {
      this.wantsText = false;
      const text = this.text_;
      this.text_ = '';
      this.addItem(pkg, text);
    } else if (depth === 2 && name === 'package') {
      this.pkg = undefined;
      if (!this.#seenVersion || !pkg.version) throw this.fail(`package ${JSON.stringify(pkg.name)} has no version`);
      this.count++;
      this.#emit(pkg);
    }
  }
}

export class FilelistsHandler extends PerPackageHandler<RpmMdFilelistsPackage> {
  constructor(emit: (pkg: RpmMdFilelistsPackage) => void, fail: Fail, limits: PackageLimits = {}) {
    super('filelists', 'file', emit, fail, limits);
  }

  protected create(nevra: RpmMdNevra, pkgid: string): RpmMdFilelistsPackage {
    return { pkgid, ...nevra, files: [] };
  }

  protected addItem(pkg: RpmMdFilelistsPackage, text: string): void {
    pkg.files.push(fileRecord(text, this.attributes.type, this.fail));
  }
}

export class OtherHandler extends PerPackageHandler<RpmMdOtherPackage> {
  constructor(emit: (pkg: RpmMdOtherPackage) => void, fail: Fail, limits: PackageLimits = {}) {
    super('otherdata', 'changelog', emit, fail, limits);
  }

  protected create(nevra: RpmMdNevra, pkgid: string): RpmMdOtherPackage {
    return { pkgid, ...nevra, changelogs: [] };
  }

  protected addItem(pkg: RpmMdOtherPackage, text: string): void {
    pkg.changelogs.push({
      author: this.attributes.author ?? '',
      date: integer(this.attributes.date, 'changelog date', this.fail),
      text,
    });
  }
}
