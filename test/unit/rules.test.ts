// Every rule against its fixtures: findings must match the inline `# expect:` comments exactly (for that rule),
// and applying the rule's fixes must give the `.fixed.py` golden file.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../server/rules/registry';
import { applyRuleFixes, expectationsOf, FIXTURES, fixtureWorkspace, pythonFilesIn } from '../support/fixtures';

const RULE_FIXTURES = join(FIXTURES, 'rules');

describe('rule fixtures', () => {
  for (const rule of RULES) {
    const code = rule.meta.code;
    const dir = join(RULE_FIXTURES, code);
    if (!existsSync(dir)) continue; // the meta-test reports the missing folder
    describe(`${code} ${rule.meta.name}`, () => {
      for (const file of pythonFilesIn(dir)) {
        const name = file.slice(dir.length + 1);
        it(`${name}: findings match # expect comments`, async () => {
          const workspace = await fixtureWorkspace(dir);
          const source = readFileSync(file, 'utf8');
          const expected = expectationsOf(source);
          const actual = new Map<number, string[]>();
          for (const f of workspace.lint(file)) {
            if (f.code !== code) continue;
            actual.set(f.range.start.line, [...(actual.get(f.range.start.line) ?? []), f.code].sort());
          }
          const wanted = new Map<number, string[]>();
          for (const [line, codes] of expected) {
            const mine = codes.filter((c) => c === code);
            if (mine.length) wanted.set(line, mine);
          }
          const show = (m: Map<number, string[]>) => [...m].sort((a, b) => a[0] - b[0]).map(([line, codes]) => `${name}:${line + 1} ${codes.join(',')}`);
          assert.deepEqual(show(actual), show(wanted));
        });
        const golden = file.replace(/\.py$/, '.fixed.py');
        if (existsSync(golden)) {
          it(`${name}: fixes give ${golden.slice(dir.length + 1)}`, async () => {
            const workspace = await fixtureWorkspace(dir);
            assert.equal(applyRuleFixes(workspace, file, code), readFileSync(golden, 'utf8'));
          });
        }
      }
    });
  }
});

describe('rule registry (meta)', () => {
  const codes = RULES.map((r) => r.meta.code);

  it('codes and names are unique and well-formed', () => {
    assert.equal(new Set(codes).size, codes.length, 'duplicate rule code');
    assert.equal(new Set(RULES.map((r) => r.meta.name)).size, RULES.length, 'duplicate rule name');
    for (const r of RULES) {
      assert.match(r.meta.code, /^AIO\d{3}$/);
      assert.match(r.meta.name, /^[a-z]+(-[a-z]+)*$/);
    }
  });

  for (const rule of RULES) {
    const { code, fixable } = rule.meta;
    it(`${code} has a docs page with the standard sections`, () => {
      const page = join(__dirname, '..', '..', '..', 'docs', 'rules', `${code}.md`);
      assert.ok(existsSync(page), `missing docs/rules/${code}.md`);
      const text = readFileSync(page, 'utf8');
      assert.match(text, new RegExp(`^# ${code} ${rule.meta.name}\\b`));
      for (const section of ['## What it does', '## Why is this bad?', '## Example', '## Use instead', '## Fix safety']) {
        assert.ok(text.includes(section), `docs/rules/${code}.md lacks "${section}"`);
      }
    });
    it(`${code} has fixtures with positive and negative cases${fixable !== 'never' ? ' and a fix golden file' : ''}`, () => {
      const dir = join(RULE_FIXTURES, code);
      assert.ok(existsSync(dir), `missing test/fixtures/rules/${code}/`);
      const sources = pythonFilesIn(dir).map((f) => readFileSync(f, 'utf8'));
      const positives = sources.reduce((n, s) => n + [...expectationsOf(s).values()].filter((c) => c.includes(code)).length, 0);
      assert.ok(positives > 0, `no "# expect: ${code}" in its fixtures`);
      const lines = sources.reduce((n, s) => n + s.split('\n').filter((l) => /\S/.test(l) && !l.trim().startsWith('#')).length, 0);
      assert.ok(lines > positives * 2, `fixtures of ${code} need negative cases too`);
      if (fixable !== 'never') assert.ok(readdirSync(dir).some((f) => f.endsWith('.fixed.py')), `no .fixed.py golden file for ${code}`);
    });
  }
});
