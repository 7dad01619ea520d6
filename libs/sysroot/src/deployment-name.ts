import { ParseError } from '@tsostree/errors';

/** A deployment is identified by its commit checksum and a serial that counts repeated deploys. */
export interface DeploymentId {
  checksum: string;
  serial: number;
}

const NAME_RE = /^([0-9a-f]{64})\.(0|[1-9][0-9]{0,8})$/;

/** `<checksum>.<serial>`, the directory name under `ostree/deploy/<stateroot>/deploy/`. */
export function formatDeploymentName(id: DeploymentId): string {
  return `${id.checksum}.${id.serial}`;
}

/** Parses a deployment directory name; anything else (stray files, hostile names) is a ParseError. */
export function parseDeploymentName(name: string): DeploymentId {
  const m = NAME_RE.exec(name);
  if (!m) {
    throw new ParseError(`not a deployment directory name: ${JSON.stringify(name.slice(0, 100))}`, { offset: 0 });
  }
  return { checksum: m[1]!, serial: Number(m[2]) };
}
