/** Bad command-line input: every command prints the message (and its usage) and exits 2. @module */
export class UsageError extends Error {
  override name = 'UsageError';
}
