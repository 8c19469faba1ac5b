/**
 * What the CLI prints is made safe in one place (issue 19, item 10): secrets are redacted from
 * every line and JSON document, and control characters that a registry (a tag, an annotation, an
 * error body) or a file put in a string are made visible instead of reaching the terminal, where
 * `\x1b]0;…\x07` retitles the window and `\x1b[2J` clears it (ECMA-48 §5: C0, C1 and DEL).
 */

/** What a redacted secret reads as. */
const REDACTED = '[redacted]';

/**
 * Shapes that are secrets whoever printed them: a JWT (RFC 7519 §3: three base64url parts, the
 * first a JSON object so `eyJ`), the credentials of an `Authorization` value (RFC 9110 §11.6.2) and
 * the `token`/`password` fields of a JSON or form body.
 */
const SECRET_SHAPES: ReadonlyArray<[RegExp, string]> = [
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/("?(?:access_token|refresh_token|id_token|identity_token|token|password|client_secret)"?\s*[:=]\s*"?)[^\s"&,;}]{4,}/gi, `$1${REDACTED}`],
];

/** `text` with `secrets` (exact values the command was given) and secret-shaped strings redacted. */
export function redactSecrets(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(secret).join(REDACTED);
  for (const [shape, replacement] of SECRET_SHAPES) out = out.replace(shape, replacement);
  return out;
}

/**
 * C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that reorder
 * what a terminal shows (Unicode TR #9; CVE-2021-42574 "Trojan Source").
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE_FOR_TERMINAL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every character a terminal would act on written out as an escape (`\x1b`, `\u202e`). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * JSON.stringify escapes C0 (RFC 8259 §7) but leaves DEL, C1, U+2028/9 and the bidi overrides
 * raw; `\uXXXX` for them keeps the document the same value and inert on a terminal.
 */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_FOR_TERMINAL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A JSON value with `redactSecrets` applied to every string in it (keys included). */
export function redactValue(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redactSecrets(k, secrets), redactValue(v, secrets)]));
  }
  return value;
}
