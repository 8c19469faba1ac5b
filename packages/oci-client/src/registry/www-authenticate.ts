/** One challenge of a `WWW-Authenticate` header (RFC 9110 §11.6.1, RFC 6750 §3). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
  /** The token68 form (`Basic abc==`), when the challenge uses it. */
  token68?: string;
}

/** Splits on commas outside quoted strings. */
function splitItems(header: string): string[] {
  const items: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const ch = header[i] as string;
    if (quoted && ch === '\\' && i + 1 < header.length) {
      current += ch + (header[i + 1] as string);
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      items.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  items.push(current.trim());
  return items.filter((item) => item.length > 0);
}

const PARAM = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s"]*)$/;
const SCHEME_THEN_REST = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:\s+(.*))?$/;

function unquote(value: string): string {
  return value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

/**
 * Parses a WWW-Authenticate value into its challenges. One header may hold several challenges,
 * and commas separate both challenges and parameters, so an item that is not `name=value` on its
 * own starts a new challenge. Malformed input yields what could be read, never a throw.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  for (const item of splitItems(header)) {
    const param = PARAM.exec(item);
    if (param !== null && current !== undefined) {
      current.params[(param[1] as string).toLowerCase()] = unquote(param[2] as string);
      continue;
    }
    const head = SCHEME_THEN_REST.exec(item);
    if (head === null) continue;
    current = { scheme: (head[1] as string).toLowerCase(), params: {} };
    challenges.push(current);
    const rest = head[2]?.trim();
    if (rest === undefined || rest.length === 0) continue;
    const first = PARAM.exec(rest);
    if (first !== null && !/^[A-Za-z0-9._~+/-]+=+$/.test(rest)) current.params[(first[1] as string).toLowerCase()] = unquote(first[2] as string);
    else current.token68 = rest;
  }
  return challenges;
}
