/**
 * A media type or artifact type pattern: exact, or `*` for any run of characters but `/`
 * (`application/vnd.kfm.*.v1`).
 */
export function matchesPattern(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  return globToRegExp(pattern, '[^/]*').test(value);
}

/** A destination pattern: `*` within one path segment, `**` across segments (`registry.internal/restricted/**`). */
export function matchesDestination(pattern: string, destination: string): boolean {
  return globToRegExp(pattern, '[^/]*', '.*').test(destination);
}

function globToRegExp(pattern: string, star: string, doubleStar = star): RegExp {
  const escaped = pattern.split('**').map((part) =>
    part
      .split('*')
      .map((text) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join(star),
  );
  return new RegExp(`^${escaped.join(doubleStar)}$`);
}
