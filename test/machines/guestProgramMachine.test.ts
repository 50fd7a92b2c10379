/**
 * A trusted guest's program: entries are made in order, once each, and the program ends after
 * the last one.
 */
import { describe, expect, it } from 'vitest';
import {
  type GuestProgramContext,
  type GuestProgramEvent,
  guestProgramMachine,
  guestProgramRefusals,
  programIsAt,
} from '../../machines/guestProgramMachine.ts';
import { driverDisagreements, machineDriver } from '../support/machineDriver.ts';

const program = machineDriver<GuestProgramContext, GuestProgramEvent>(
  guestProgramMachine,
  guestProgramRefusals,
);
const step = (index: number): GuestProgramEvent => ({ type: 'PROGRAM_STEP', index });

describe('a program of three entries', () => {
  const start = program.start({ length: 3 });

  it('makes them in order and ends after the last', () => {
    const second = program.accept(start, step(0));
    expect(programIsAt(second, 1)).toBe(true);
    const done = program.acceptAll(second, [step(1), step(2)]);
    expect(done.value).toBe('done');
    expect(programIsAt(done, 2)).toBe(false);
  });

  it('never makes an entry out of order, again, or after the end', () => {
    expect(program.refusedCodes(start, [step(1), step(2)])).toEqual([
      ['PROGRAM_STEP', 'NOT_ISSUED'],
      ['PROGRAM_STEP', 'NOT_ISSUED'],
    ]);
    const second = program.accept(start, step(0));
    expect(program.code(second, step(0))).toBe('NOT_ISSUED');
    expect(program.code(program.acceptAll(second, [step(1), step(2)]), step(2))).toBe('NOT_ISSUED');
  });

  it('steps the same with the compiled and the interpreted stepper', () => {
    expect(
      driverDisagreements(guestProgramMachine, { length: 3 }, [
        step(1),
        step(0),
        step(0),
        step(1),
        step(2),
        step(2),
      ]),
    ).toEqual([]);
  });
});
