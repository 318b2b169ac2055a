/**
 * Where SQLite's checkpoints run (checkpointer.ts): on the event loop while they are cheap, on a
 * worker thread while the writes make them slow. No I/O: the checkpointer feeds it each
 * checkpoint's duration.
 */
export type CheckpointMode = 'inline' | 'thread';

export interface CheckpointPolicy {
  /** An inline checkpoint that takes longer than this moves checkpoints to the thread. */
  readonly handOverMs: number;
  /** On the thread, a checkpoint longer than this counts as slow: the thread stays. */
  readonly handBackMs: number;
  /** The thread hands checkpoints back after this long without a slow one. */
  readonly idleMs: number;
}

export interface CheckpointState {
  readonly mode: CheckpointMode;
  /** When the last slow checkpoint ended (epoch ms). */
  readonly lastSlowAt: number;
}

export const nextCheckpointMode = (
  at: CheckpointState & { readonly now: number; readonly ms: number },
  policy: CheckpointPolicy,
): CheckpointState => {
  if (at.mode === 'inline')
    return at.ms > policy.handOverMs ? { mode: 'thread', lastSlowAt: at.now } : { mode: 'inline', lastSlowAt: at.lastSlowAt };
  const lastSlowAt = at.ms > policy.handBackMs ? at.now : at.lastSlowAt;
  return { mode: at.now - lastSlowAt >= policy.idleMs ? 'inline' : 'thread', lastSlowAt };
};
