/** The one shape every name in a topology has. */
import { z } from 'zod';

/** A lower-case name: letters, digits and dashes, starting with a letter. */
export const Name = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'a name of lower-case letters, digits and dashes, starting with a letter');
