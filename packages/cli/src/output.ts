import type { CliIo } from './io.ts';
import { escapeControls, escapeJsonText, redactSecrets, redactValue } from './safe-text.ts';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  debug: boolean;
}

/**
 * Human text or one JSON document on stdout (CLI.md "Global conventions"); notes and progress on
 * stderr, progress only on a TTY and never with --json or --quiet. Every line and document goes
 * out through `safe`/`endJson`: secrets redacted, control characters escaped (see safe-text.ts).
 */
export class Output {
  readonly io: CliIo;
  readonly options: OutputOptions;
  private current: Progress | undefined;
  private document: unknown;
  private readonly secrets: Set<string>;

  constructor(io: CliIo, options: OutputOptions, secrets: Iterable<string> = []) {
    this.io = io;
    this.options = options;
    this.secrets = new Set(secrets);
  }

  /** A secret the command came to hold (a password read from stdin): never printed from now on. */
  addSecret(secret: string): void {
    this.secrets.add(secret);
  }

  /** `text` as it may reach a terminal: secrets redacted, control characters made visible. */
  safe(text: string): string {
    return escapeControls(redactSecrets(text, this.secrets));
  }

  /** A failure (or its --debug stack) on stderr, made safe like every other line. */
  error(text: string): void {
    this.io.stderr.write(`${this.safe(text)}\n`);
  }

  /** A result line for humans; suppressed with --json (the JSON document carries it). */
  line(text: string): void {
    if (!this.options.json) this.io.stdout.write(`${this.safe(text)}\n`);
  }

  /**
   * A command's result line: `human` normally, `essential` alone with --quiet (the pinned reference
   * or digest a script wants), nothing with --json (its document carries both).
   */
  result(human: string, essential: string): void {
    if (!this.options.json) this.io.stdout.write(`${this.safe(this.options.quiet ? essential : human)}\n`);
  }

  /** Detail lines for people: left out with --quiet and --json. */
  detail(text: string): void {
    if (!this.options.json && !this.options.quiet) this.io.stdout.write(`${this.safe(text)}\n`);
  }

  /**
   * The command's JSON document. It is held until the command ends, so that a failure after it
   * (a gate that denies once its decision is known) joins it as its `error` field: one document on
   * stdout either way (CLI.md "Global conventions").
   */
  json(value: unknown): void {
    this.document = value;
  }

  /** Writes the held document; with `error`, the failure joins it (or stands alone when there is none). */
  endJson(error?: { code: string; message: string; exitCode: number }): void {
    const held = this.document;
    this.document = undefined;
    // Without --json a failure is told on stderr only; a document asked for by --format json still prints.
    const failure = this.options.json ? error : undefined;
    if (failure === undefined && held === undefined) return;
    const doc = failure === undefined ? held : typeof held === 'object' && held !== null && !Array.isArray(held) ? { ...held, error: failure } : { error: failure };
    // JSON escaping already makes C0 inert; escapeJsonText does the same for what it leaves raw.
    this.io.stdout.write(`${escapeJsonText(JSON.stringify(redactValue(doc, [...this.secrets]), null, 2))}\n`);
  }

  /** Writes raw bytes to stdout (manifest get, blob get -o -). */
  /**
   * A document for humans that carries data from outside (a decision table quoting annotations, a
   * lineage tree of PROV ids): its lines as written, each made safe like any other line.
   */
  text(text: string): void {
    // --quiet leaves stdout to the essential result (a pinned reference): a report is not one.
    if (this.options.quiet) return;
    this.io.stdout.write(
      text
        .split('\n')
        .map((line) => this.safe(line))
        .join('\n'),
    );
  }

  raw(bytes: Uint8Array | string): void {
    this.io.stdout.write(bytes);
  }

  note(text: string): void {
    if (!this.options.quiet && !this.options.json) this.io.stderr.write(`${this.safe(text)}\n`);
  }

  /** Something the user should know even with --json (which keeps stdout for the document). */
  warn(text: string): void {
    if (!this.options.quiet) this.io.stderr.write(`warning: ${this.safe(text)}\n`);
  }

  debug(text: string): void {
    if (this.options.debug) this.io.stderr.write(`debug: ${this.safe(text)}\n`);
  }

  get colour(): boolean {
    return this.io.stderr.isTTY === true && this.io.env.NO_COLOR === undefined;
  }

  progress(label: string): Progress {
    const enabled = this.io.stderr.isTTY === true && !this.options.json && !this.options.quiet;
    this.current = new Progress(this.io.stderr, this.safe(label), enabled);
    return this.current;
  }

  /** Clears a progress line a failed command left drawn, so its error starts a line of its own. */
  clearProgress(): void {
    this.current?.done();
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

/** A single self-overwriting stderr line, redrawn at most ten times a second. */
export class Progress {
  private readonly stream: CliIo['stderr'];
  private readonly label: string;
  private readonly enabled: boolean;
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(stream: CliIo['stderr'], label: string, enabled: boolean) {
    this.stream = stream;
    this.label = label;
    this.enabled = enabled;
  }

  /** `total` undefined: the amount is not known up front (a copy finds its graph as it goes). */
  update(done: number, total?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < 100 && (total === undefined || done < total)) return;
    this.lastDraw = now;
    const seconds = Math.max(0.001, (now - this.started) / 1000);
    const rate = `${mib(done / seconds)}/s`;
    if (total === undefined) {
      this.stream.write(`\r\x1b[2K${this.label} ${mib(done)} ${rate}`);
    } else {
      const percent = total > 0 ? Math.floor((done / total) * 100) : 100;
      this.stream.write(`\r\x1b[2K${this.label} ${percent}% ${mib(done)}/${mib(total)} ${rate}`);
    }
    this.drawn = true;
  }

  done(): void {
    if (this.enabled && this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
