/** The rule every name in a topology follows, shared by the schema's files. */
import { z } from 'zod';

/** A lower-case name: letters, digits and dashes, starting with a letter. */
export const Name = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'a name of lower-case letters, digits and dashes, starting with a letter');
