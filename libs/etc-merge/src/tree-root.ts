import { InvalidArgumentError } from '@tsostree/errors';
import type { FsPort } from './fs-port.js';
import { NodeFsPort } from './node-fs-port.js';

/** A tree to work on: an absolute directory path (confined with {@link NodeFsPort}) or any port. */
export type TreeRoot = string | FsPort;

export function portOf(root: TreeRoot): FsPort {
  if (typeof root === 'string') return new NodeFsPort(root);
  if (root && typeof root === 'object' && typeof root.lstat === 'function') return root;
  throw new InvalidArgumentError('a tree must be an absolute directory path or an FsPort');
}
