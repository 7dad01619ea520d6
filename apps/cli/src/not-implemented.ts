import { NotImplementedError } from '@tsostree/errors';

/** The action of a verb that exists in the command tree but is not implemented yet. */
export function notImplemented(verb: string): () => never {
  return () => {
    throw new NotImplementedError(`'tsostree ${verb}' is not implemented yet`, { data: { verb } });
  };
}
