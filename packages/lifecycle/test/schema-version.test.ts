import { describe, expect, it } from 'vitest';
import { checkSchemaVersion } from '../src/index.ts';

describe('schema versions of platform artifacts', () => {
  it.each([
    ['2.0.0', '2'],
    ['2.7.3', '2'],
    ['2.1.0', '2.1'],
    ['2.4.9', '2.1'],
    [undefined, '2'],
  ])('accepts %s where %s is accepted', (declared, accept) => {
    expect(() => checkSchemaVersion(declared, accept)).not.toThrow();
  });

  it.each([
    ['3.0.0', '2', /major version this consumer does not accept \(it accepts 2\.x\)/],
    ['1.9.9', '2', /major version/],
    ['2.0.5', '2.1', /older than the 2\.1 this consumer needs/],
    ['2.1', '2', /not MAJOR\.MINOR\.PATCH/],
  ])('refuses %s where %s is accepted', (declared, accept, message) => {
    expect(() => checkSchemaVersion(declared, accept)).toThrow(expect.objectContaining({ code: 'SCHEMA_INCOMPATIBLE', kind: 'verification', message: expect.stringMatching(message) }));
  });

  it('refuses a range it cannot read', () => {
    expect(() => checkSchemaVersion('1.0.0', '^1')).toThrow(expect.objectContaining({ code: 'INVALID_CONFIG' }));
  });
});
