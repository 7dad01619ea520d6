import { copyFile, lstat, readFile } from 'node:fs/promises';
import { NotFoundError, fromSystemError } from '@tsostree/errors';
import { looseObjectPath } from '../format/object-path.js';
import { openContent } from '../repo-content.js';
import { readCommitMeta, readMetadataObject, type WriteTxn } from '../repo-objects.js';
import type { Repo } from '../repo.js';
import type { FetchedBody, Fetcher } from './fetcher.js';
import {
  CONTENT_MEMORY_LIMIT,
  storeVerifiedContent,
  storeVerifiedFilez,
  verifyFilezBody,
  verifyLocalContent,
  verifyMetadataBytes,
  type PullStaging,
  type VerifiedContent,
} from './pull-store.js';

/** Metadata object types pull fetches by checksum. */
export type PullMetadataType = 'commit' | 'dirtree' | 'dirmeta';

/** A content object that passed verification, ready to be stored. */
export interface FetchedContent {
  verified: VerifiedContent;
  /** Stores it (consumes temp files). */
  store(txn: WriteTxn): Promise<void>;
  /** Drops temp files when it will not be stored. */
  discard(): Promise<void>;
}

/**
 * Where pull reads objects from: an archive repository over HTTP (or file://), or another local
 * repository of any mode. Every method returns verified data.
 */
export interface PullSource {
  /** Human-readable location for messages. */
  readonly location: string;
  /** A verified metadata object; NotFoundError when the source lacks it. */
  metadata(type: PullMetadataType, checksum: string): Promise<Uint8Array>;
  /** Detached metadata, undefined when there is none. */
  commitMeta(checksum: string): Promise<Uint8Array | undefined>;
  /**
   * A verified content object; NotFoundError when the source lacks it. Temp files go to `staging`,
   * whose write thread (if any) may verify and write the object (see {@link verifyFilezBody}).
   */
  content(checksum: string, staging: PullStaging): Promise<FetchedContent>;
  close(): Promise<void>;
}

const MAX_METADATA_FETCH = 64 * 1024 * 1024;
const MAX_CONTENT_FETCH = Number.MAX_SAFE_INTEGER;

async function discardBody(body: FetchedBody, verified?: VerifiedContent): Promise<void> {
  const { rm } = await import('node:fs/promises');
  if (body.file) await rm(body.file, { force: true });
  if (verified?.contentFile) await rm(verified.contentFile, { force: true });
}

/** An archive-mode repository served over HTTP(S) or file:// (`objects/xx/….filez`). */
export class HttpPullSource implements PullSource {
  constructor(
    private readonly repo: Repo,
    /** Fetcher for metadata (the remote's `url`). */
    readonly fetcher: Fetcher,
    /** Fetcher for content objects (`contenturl`; the same fetcher when unset). */
    readonly contentFetcher: Fetcher = fetcher,
  ) {}

  get location(): string {
    return this.fetcher.baseUrls.join(', ');
  }

  async metadata(type: PullMetadataType, checksum: string): Promise<Uint8Array> {
    return this.fetcher.fetch(looseObjectPath(checksum, type, true), {
      maxSize: MAX_METADATA_FETCH,
      what: `${type} object ${checksum}`,
      validate: (bytes) => verifyMetadataBytes(type, checksum, bytes),
    });
  }

  async commitMeta(checksum: string): Promise<Uint8Array | undefined> {
    return this.fetcher.fetch(looseObjectPath(checksum, 'commitmeta', true), {
      maxSize: MAX_METADATA_FETCH,
      allow404: true,
      what: `detached metadata of commit ${checksum}`,
    });
  }

  async content(checksum: string, staging: PullStaging): Promise<FetchedContent> {
    let verified: VerifiedContent | undefined;
    const body = await this.contentFetcher.fetchBody(looseObjectPath(checksum, 'file', true), {
      maxSize: MAX_CONTENT_FETCH,
      memoryLimit: CONTENT_MEMORY_LIMIT,
      tmpPath: () => staging.tmpPath(),
      what: `content object ${checksum}`,
      validate: async (b) => {
        verified = await verifyFilezBody(this.repo, checksum, b, staging);
      },
    });
    const v = verified!;
    return {
      verified: v,
      store: (txn) => storeVerifiedFilez(this.repo, body, v, txn, staging),
      discard: () => discardBody(body, v),
    };
  }

  async close(): Promise<void> {
    await this.fetcher.close();
    if (this.contentFetcher !== this.fetcher) await this.contentFetcher.close();
  }
}

/** Another repository on this machine, any mode (`pull-local`, `file://` remotes of bare repositories). */
export class LocalPullSource implements PullSource {
  constructor(
    private readonly repo: Repo,
    readonly source: Repo,
  ) {}

  get location(): string {
    return this.source.path;
  }

  async metadata(type: PullMetadataType, checksum: string): Promise<Uint8Array> {
    const bytes = await readMetadataObject(this.source, type, checksum, { verify: false });
    verifyMetadataBytes(type, checksum, bytes);
    return bytes;
  }

  async commitMeta(checksum: string): Promise<Uint8Array | undefined> {
    return readCommitMeta(this.source, checksum);
  }

  async content(checksum: string, staging: PullStaging): Promise<FetchedContent> {
    if (this.source.isArchive) {
      const path = this.source.resolve(looseObjectPath(checksum, 'file', true));
      let body: FetchedBody;
      try {
        const st = await lstat(path);
        if (st.size <= CONTENT_MEMORY_LIMIT) {
          const buf = await readFile(path);
          body = { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), size: buf.length };
        } else {
          const file = staging.tmpPath();
          await copyFile(path, file);
          body = { file, size: st.size };
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          throw new NotFoundError(`No such content object ${checksum} in ${this.source.path}`, { data: { checksum, type: 'file' } });
        }
        throw fromSystemError(error, `reading content object ${checksum} of ${this.source.path}`);
      }
      let verified: VerifiedContent;
      try {
        verified = await verifyFilezBody(this.repo, checksum, body, staging);
      } catch (error) {
        await discardBody(body);
        throw error;
      }
      return { verified, store: (txn) => storeVerifiedFilez(this.repo, body, verified, txn, staging), discard: () => discardBody(body, verified) };
    }
    const opened = await openContent(this.source, checksum);
    const verified = await verifyLocalContent(this.repo, checksum, opened, staging);
    return {
      verified,
      store: (txn) => storeVerifiedContent(this.repo, verified, txn, staging),
      discard: () => discardBody({ bytes: new Uint8Array(0), size: 0 }, verified),
    };
  }

  async close(): Promise<void> {}
}
