// Type declarations for the untyped decompressors this package uses.
declare module 'xz-decompress' {
  const xzDecompress: {
    XzReadableStream: new (input: ReadableStream<Uint8Array>) => ReadableStream<Uint8Array>;
  };
  export default xzDecompress;
}

declare module 'unbzip2-stream' {
  interface Unbzip2Stream {
    write(chunk: Uint8Array): boolean;
    end(): void;
    on(event: 'data', listener: (chunk: Uint8Array) => void): this;
    on(event: 'error', listener: (error: unknown) => void): this;
    on(event: 'end', listener: () => void): this;
  }
  export default function unbzip2Stream(): Unbzip2Stream;
}

declare module 'lzma-native' {
  const lzmaNative: {
    createDecompressor(options?: { synchronous?: boolean }): NodeJS.ReadWriteStream;
  };
  export default lzmaNative;
}

declare module 'sql.js' {
  export type SqlValue = number | string | Uint8Array | null;
  export interface QueryExecResult {
    columns: string[];
    values: SqlValue[][];
  }
  export interface Statement {
    bind(values?: SqlValue[]): boolean;
    step(): boolean;
    get(): SqlValue[];
    run(values?: SqlValue[]): void;
    reset(): void;
    free(): boolean;
  }
  export interface Database {
    exec(sql: string, params?: SqlValue[]): QueryExecResult[];
    run(sql: string, params?: SqlValue[]): Database;
    prepare(sql: string): Statement;
    export(): Uint8Array;
    close(): void;
  }
  export interface SqlJsStatic {
    Database: new (data?: Uint8Array) => Database;
  }
  export default function initSqlJs(config?: { locateFile?: (file: string) => string }): Promise<SqlJsStatic>;
}
