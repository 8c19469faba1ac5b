/**
 * The `rel="next"` target of a Link header (RFC 8288), resolved against the request URL.
 * distribution-spec "Listing Tags": the Link header carries the next page, and its URL may be
 * relative. Returns undefined when there is no next link or it is unparseable.
 */
export function nextLink(header: string | undefined, base: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*(.*)$/.exec(part);
    if (match === null) continue;
    const params = match[2] ?? '';
    const rel = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    const relValue = rel?.[1] ?? rel?.[2];
    if (relValue === undefined || !relValue.toLowerCase().split(/\s+/).includes('next')) continue;
    try {
      return new URL(match[1] ?? '', base).toString();
    } catch {
      return undefined;
    }
  }
  return undefined;
}
