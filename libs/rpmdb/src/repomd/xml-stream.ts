/**
 * A bounded-memory streaming XML reader for rpm-md metadata, on top of the `saxes` SAX parser.
 *
 * Bytes go in chunk by chunk; element events go out to a handler. Guards against hostile input:
 * - a DOCTYPE is refused outright, so no entity can be declared (no "billion laughs" expansion; saxes itself never
 *   expands DTD entities and rejects undefined ones);
 * - one markup-or-text run (the characters between two `<`) may not exceed `maxTokenChars`, which bounds what saxes
 *   buffers for a huge attribute value, tag or text node before it is ever handed to us;
 * - element nesting may not exceed `maxDepth`;
 * - bytes must be valid UTF-8.
 * Every failure is a `ParseError` carrying `offset` (characters from the start of the document), `line` and `column`.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { ParseError, throwIfAborted } from '@tsostree/errors';

export interface XmlLimits {
  /** Longest run of characters between two `<` (a tag with its attributes, or a text node). Default 16 Mi. */
  maxTokenChars?: number;
  /** Deepest element nesting. Default 64. */
  maxDepth?: number;
}

export const DEFAULT_MAX_TOKEN_CHARS = 16 * 1024 * 1024;
export const DEFAULT_MAX_DEPTH = 64;

/** What a document handler receives. Element names are the qualified names as written (`rpm:entry`). */
export interface XmlHandler {
  open(name: string, attributes: Record<string, string>): void;
  /** Text (entities resolved), only delivered while `wantsText` is true. */
  text(text: string): void;
  close(name: string): void;
  /** Whether text events are needed right now (skips building strings for ignored whitespace). */
  readonly wantsText: boolean;
}

export class XmlStream {
  readonly #parser: SaxesParser<{ xmlns: false }>;
  readonly #decoder = new TextDecoder('utf-8', { fatal: true });
  readonly #maxToken: number;
  readonly #maxDepth: number;
  readonly #document: string;
  #depth = 0;
  #run = 0;
  #sawRoot = false;
  #closed = false;

  constructor(handler: XmlHandler, document: string, limits: XmlLimits = {}) {
    this.#maxToken = limits.maxTokenChars ?? DEFAULT_MAX_TOKEN_CHARS;
    this.#maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
    this.#document = document;
    const parser = new SaxesParser({ xmlns: false, position: true });
    this.#parser = parser;
    parser.on('error', (error) => {
      throw this.error(`malformed XML: ${stripPosition(error.message)}`);
    });
    parser.on('doctype', () => {
      throw this.error('a DOCTYPE is not allowed in rpm-md metadata');
    });
    parser.on('opentag', (tag: SaxesTagPlain) => {
      this.#sawRoot = true;
      if (++this.#depth > this.#maxDepth) throw this.error(`elements nested deeper than ${this.#maxDepth}`);
      handler.open(tag.name, tag.attributes);
    });
    parser.on('closetag', (tag: SaxesTagPlain) => {
      this.#depth--;
      handler.close(tag.name);
    });
    parser.on('text', (text) => {
      if (handler.wantsText) handler.text(text);
    });
    parser.on('cdata', (text) => {
      if (handler.wantsText) handler.text(text);
    });
  }

  /** Feeds the next chunk of bytes. */
  write(chunk: Uint8Array): void {
    let text: string;
    try {
      text = this.#decoder.decode(chunk, { stream: true });
    } catch (cause) {
      throw this.error('invalid UTF-8 in XML', cause);
    }
    this.#feed(text);
  }

  /** Ends the document; fails if it is incomplete. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    let rest: string;
    try {
      rest = this.#decoder.decode();
    } catch (cause) {
      throw this.error('invalid UTF-8 at the end of the XML', cause);
    }
    this.#feed(rest);
    if (!this.#sawRoot) throw this.error(`${this.#document} has no root element`);
    this.#parser.close();
  }

  #feed(text: string): void {
    if (text.length === 0) return;
    const first = text.indexOf('<');
    if (first < 0) {
      this.#run += text.length;
      this.#checkRun();
    } else {
      this.#run += first;
      this.#checkRun();
      // Runs inside one chunk can only be too long when the chunk itself is longer than the limit.
      if (text.length > this.#maxToken) {
        for (let at = first, next = text.indexOf('<', at + 1); next >= 0; at = next, next = text.indexOf('<', at + 1)) {
          this.#run = next - at;
          this.#checkRun();
        }
      }
      this.#run = text.length - text.lastIndexOf('<');
      this.#checkRun();
    }
    this.#parser.write(text);
  }

  #checkRun(): void {
    if (this.#run > this.#maxToken) {
      throw this.error(`an XML tag, attribute or text is longer than ${this.#maxToken} characters`);
    }
  }

  /** A ParseError at the parser's current position. */
  error(message: string, cause?: unknown): ParseError {
    const parser = this.#parser;
    return new ParseError(`${this.#document}: ${message} (line ${parser.line}, column ${parser.column})`, {
      offset: parser.position,
      cause,
      data: { line: parser.line, column: parser.column, document: this.#document },
    });
  }
}

function stripPosition(message: string): string {
  // saxes prefixes "line:column: "; we report the position ourselves.
  return message.replace(/^(?:[^:]*:)?\d+:\d+: /u, '');
}

/**
 * Feeds `source` through a fresh XmlStream and yields the records the handler produced, chunk by chunk, so that only
 * one input chunk's worth of records is held at a time.
 */
export async function* streamRecords<T>(
  source: AsyncIterable<Uint8Array>,
  makeHandler: (emit: (record: T) => void, fail: (message: string) => ParseError) => XmlHandler,
  document: string,
  limits: XmlLimits = {},
  signal?: AbortSignal,
): AsyncGenerator<T, void, undefined> {
  let ready: T[] = [];
  // The handler reports semantic errors through `fail`, which needs the stream for the position.
  const holder: { xml?: XmlStream } = {};
  const handler = makeHandler(
    (record) => ready.push(record),
    (message) => (holder.xml as XmlStream).error(message),
  );
  const xml = new XmlStream(handler, document, limits);
  holder.xml = xml;
  for await (const chunk of source) {
    throwIfAborted(signal);
    xml.write(chunk);
    if (ready.length > 0) {
      const batch = ready;
      ready = [];
      yield* batch;
    }
  }
  xml.close();
  yield* ready;
}
