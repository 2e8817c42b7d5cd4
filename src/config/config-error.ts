/** A setting the service cannot start with; the CLI prints the message and exits with code 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  /** The env var or flag at fault, as the user wrote it (`INBETWEEN_SYNC_TIMEOUT`, `--port`). */
  readonly source: string | undefined;

  constructor(message: string, source?: string) {
    super(message);
    this.source = source;
  }
}
