/** Every command's help lists its exit codes, generated from the one table in exitCodes.ts. */
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands.ts';
import { EXIT_CODE_MEANINGS, EXIT_CODES, exitCodeLines } from '../../src/cli/exitCodes.ts';
import { runCli } from '../../src/cli/run.ts';

async function help(...argv: string[]): Promise<string> {
  const out: string[] = [];
  await runCli(argv, { stdout: { write: (text: string) => out.push(text) }, stderr: { write: () => true } });
  return out.join('');
}

describe('exit codes', () => {
  it('are listed with their meaning from the table', () => {
    expect(exitCodeLines({ codes: ['ok', 'badInput'], meanings: { ok: 'fine' } })).toEqual([
      '  0  fine',
      `  2  ${EXIT_CODE_MEANINGS.badInput}`,
    ]);
  });

  it.each(Object.keys(commands))('appear in the help of %s', async (name) => {
    const text = await help(name, '--help');
    const section = text.slice(text.indexOf('\nExit codes:\n'));
    expect(section.startsWith('\nExit codes:\n')).toBe(true);
    const spec = commands[name as keyof typeof commands];
    const codes = 'exitCodes' in spec ? spec.exitCodes.codes : Object.keys(EXIT_CODES);
    const listed = [...section.matchAll(/^ {2}(\d) {2}\S/gm)].map((match) => Number(match[1]));
    expect(listed).toEqual(codes.map((code) => EXIT_CODES[code as keyof typeof EXIT_CODES]));
  });

  it('appear in the general help, every one of them', async () => {
    const text = await help('--help');
    for (const [name, code] of Object.entries(EXIT_CODES)) {
      expect(text).toContain(`  ${code}  ${EXIT_CODE_MEANINGS[name as keyof typeof EXIT_CODES]}`);
    }
  });
});
