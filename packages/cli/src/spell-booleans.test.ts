import { describe, expect, it } from 'vitest';
import { spellBooleans } from './main.ts';

const options = {
  'plain-http': { type: 'boolean', description: 'd' },
  'no-digest-cache': { type: 'boolean', description: 'd' },
  output: { type: 'string', description: 'd' },
} as const;

describe('spellBooleans: --X=true|false on boolean options', () => {
  it('turns --X=true into --X and takes --X=false out as a negation; the last spelling wins', () => {
    expect(spellBooleans(['--plain-http=true', 'a'], options)).toEqual({ args: ['--plain-http', 'a'], negated: new Set() });
    expect(spellBooleans(['--plain-http=false'], options)).toEqual({ args: [], negated: new Set(['plain-http']) });
    expect(spellBooleans(['--plain-http=false', '--plain-http'], options)).toEqual({ args: ['--plain-http'], negated: new Set() });
  });

  it('leaves alone what is not a boolean option, values of string options, and everything after --', () => {
    expect(spellBooleans(['--output=false', '--no-digest-cache', '--unknown=true', '--', '--plain-http=false'], options)).toEqual({
      args: ['--output=false', '--no-digest-cache', '--unknown=true', '--', '--plain-http=false'],
      negated: new Set(),
    });
  });
});
