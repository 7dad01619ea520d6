/**
 * Thrown by a verb that has finished and wants a specific non-error exit status (rpm-ostree's 77
 * for "nothing changed"): main() returns the status without printing anything.
 */
export class ExitRequest extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}
