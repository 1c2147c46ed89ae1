/** How long a session lives: idle (since it was last used) and absolute (since sign-in). */
export interface SessionLifetime {
  idleMs: number;
  absoluteMs: number;
}

export interface SessionTimes {
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** The times of a session that starts now. */
export const newSessionTimes = ({ absoluteMs }: SessionLifetime, now = new Date()): SessionTimes => ({
  createdAt: now,
  lastSeenAt: now,
  expiresAt: new Date(now.getTime() + absoluteMs),
});

/** Past its absolute end, or unused for longer than the idle timeout. */
export const isExpired = ({ idleMs }: SessionLifetime, session: SessionTimes, now = new Date()): boolean =>
  now >= session.expiresAt || now.getTime() - session.lastSeenAt.getTime() >= idleMs;

/**
 * Whether to record a use now: at most once per twentieth of the idle timeout (90 s of 30 min),
 * so an active session is not a database write per request and still never idles out in use.
 */
export const isTouchDue = ({ idleMs }: SessionLifetime, session: SessionTimes, now = new Date()): boolean =>
  now.getTime() - session.lastSeenAt.getTime() >= idleMs / 20;
