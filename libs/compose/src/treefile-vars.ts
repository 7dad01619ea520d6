import { InvalidArgumentError } from '@tsostree/errors';

/**
 * Substitutes `${name}` references in a treefile string (rpm-ostree: `${basearch}`,
 * `${releasever}` and the treefile's `variables`). An unknown variable is an error, as in
 * rpm-ostree; `$` not followed by `{` is kept literally.
 */
export function substituteVars(value: string, vars: Readonly<Record<string, string>>): string {
  return value.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new InvalidArgumentError(`invalid variable reference \${${name}} in ${JSON.stringify(value)}`);
    }
    const v = vars[name];
    if (v === undefined) {
      throw new InvalidArgumentError(`unknown variable \${${name}} in ${JSON.stringify(value)}`, {
        data: { variable: name },
      });
    }
    return v;
  });
}
