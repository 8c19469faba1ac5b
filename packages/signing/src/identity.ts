/**
 * A certificate identity as cosign's `--certificate-identity` means it: the whole SAN, exactly.
 * sigstore-js reads a string SAN as an unanchored regular expression (so 'a@b.c' would also pass
 * 'xa@bxc.evil'); this anchored, escaped pattern is what it is handed instead.
 */
export function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}
