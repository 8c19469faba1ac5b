/**
 * A copy of a JSON document with one value, chosen by `seed` among all of its members and array
 * items, replaced by `replacement`: the fuzz tests' way of making documents that are valid but
 * for one place, wherever that place is.
 */
export function withOneValueReplaced<T>(document: T, seed: number, replacement: unknown): T {
  const copy = structuredClone(document);
  const slots: Array<[Record<string | number, unknown>, string | number]> = [];
  const walk = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) {
        slots.push([value as unknown as Record<number, unknown>, i]);
        walk(item);
      }
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, member] of Object.entries(value)) {
        slots.push([value as Record<string, unknown>, key]);
        walk(member);
      }
    }
  };
  walk(copy);
  if (slots.length === 0) return replacement as T;
  const [holder, key] = slots[seed % slots.length] as [Record<string | number, unknown>, string | number];
  holder[key] = replacement;
  return copy;
}
