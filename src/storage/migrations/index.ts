/** The schema's steps, in order, for both dialects (step.ts says how versions are counted). */
import { converge } from './converge';
import { steps1to3 } from './history-1-3';
import { steps4to7 } from './history-4-7';
import { steps8to10 } from './history-8-10';
import { stepsOf, type Dialect } from './step';

export const MIGRATIONS = [...steps1to3, ...steps4to7, ...steps8to10, converge];

/** The steps a database of this dialect runs; version = index + 1. */
export const migrationsOf = (dialect: Dialect) => stepsOf(MIGRATIONS, dialect);

export { NOT_PRINTABLE_ASCII, emailKeyOf } from './step';
