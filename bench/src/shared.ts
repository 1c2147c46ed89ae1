/** The read of GET /api/v1/users/:id written by hand, for plain pg (servers/pg.ts, db-cpu.ts). */
export const USER_BY_ID_SQL =
  'SELECT id, email, name, created_at AS "createdAt", updated_at AS "updatedAt" FROM users WHERE id = $1';

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
