import { describe, expect, it } from 'vitest';
import { offsetFromRange } from './blob-upload.ts';

describe('offsetFromRange', () => {
  it('reads Range: 0-<last> as the next byte to send', () => {
    expect(offsetFromRange('0-1023', true)).toBe(1024);
    expect(offsetFromRange('bytes=0-9', false)).toBe(10);
  });

  it("reads distribution's ambiguous 0-0 as empty for a status query and as one byte after a PATCH", () => {
    expect(offsetFromRange('0-0', true)).toBe(0);
    expect(offsetFromRange('0-0', false)).toBe(1);
  });

  it('gives undefined for a missing or malformed header', () => {
    expect(offsetFromRange(undefined, true)).toBeUndefined();
    expect(offsetFromRange('5-10', true)).toBeUndefined();
    expect(offsetFromRange('0--1', false)).toBeUndefined();
  });
});
