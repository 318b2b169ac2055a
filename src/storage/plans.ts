import { STEP_KINDS, type StepKind } from '../domain/source';

/**
 * Two events of one conversation share a pending step: the steps after it are the union of
 * both plans, in the one order steps run (fetch → lookup → deliver → notify).
 */
export const mergePlans = (a: readonly StepKind[], b: readonly StepKind[]): StepKind[] =>
  STEP_KINDS.filter((k) => a.includes(k) || b.includes(k));
