// One owner at a time for an on-disk PGlite folder. PGlite has no postmaster.pid: a second
// process can open a folder in use, and its checkpoint then hides every later write of the
// first from crash recovery (issue 15). proper-lockfile takes the lock (an atomic mkdir of
// `<folder>.lock`, refreshed every second, removed on exit); `<folder>.lock.json` says who
// holds it, for the refusal's message and to recover at once from an owner that was killed.
// Loaded only when an on-disk PGlite is opened: proper-lockfile hooks process exit and signals.
import { readFileSync, unlinkSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import lockfile from "proper-lockfile";
import { DatabaseLockedError, type DataDirHolder } from "./errors.ts";

export interface LockDataDirOptions {
  /** What this process calls itself in the message another process gets, e.g. "pnpm dev". */
  owner?: string | undefined;
  /** The lock was taken from us (its folder deleted, or refreshes stalled for STALE_MS). */
  onCompromised: (error: Error) => void;
}

// A live owner refreshes the lock's mtime every UPDATE_MS. One whose refreshes stopped for
// STALE_MS is taken over whoever it is (a reboot, another machine on a shared folder); one
// whose recorded process is gone as soon as its lock is DEAD_OWNER_STALE_MS old, the
// library's minimum. A live but busy owner (PGlite runs queries on the main thread) is never
// taken over before STALE_MS.
const UPDATE_MS = 1000;
const STALE_MS = 30_000;
const DEAD_OWNER_STALE_MS = 2000;
const DEAD_OWNER_ATTEMPTS = 20;
const DEAD_OWNER_INTERVAL_MS = 250;

/**
 * Takes the exclusive lock of an on-disk PGlite folder (an absolute path), or throws
 * DatabaseLockedError naming the holder. Resolves to the release function.
 */
export async function lockDataDir(dataDir: string, options: LockDataDirOptions): Promise<() => Promise<void>> {
  const holderFile = `${dataDir}.lock.json`;
  const lock = (stale: number) =>
    lockfile.lock(dataDir, {
      realpath: false,
      lockfilePath: `${dataDir}.lock`,
      stale,
      update: UPDATE_MS,
      onCompromised: options.onCompromised,
    });
  // Only from that dead owner: once another process took over (its holder file names it), that
  // one is live, however long its start keeps it from refreshing the lock.
  const takeOverFrom = async (dead: DataDirHolder) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await lock(DEAD_OWNER_STALE_MS);
      } catch (error) {
        if (!isLocked(error)) throw error;
        const now = await readHolder(holderFile);
        if (now?.pid !== dead.pid || attempt === DEAD_OWNER_ATTEMPTS) throw new DatabaseLockedError(dataDir, now);
        await new Promise((resolve) => setTimeout(resolve, DEAD_OWNER_INTERVAL_MS));
      }
    }
  };
  let release: () => Promise<void>;
  try {
    release = await lock(STALE_MS);
  } catch (error) {
    if (!isLocked(error)) throw error;
    const holder = await readHolder(holderFile);
    if (!holder || !isGone(holder)) throw new DatabaseLockedError(dataDir, holder);
    // Its owner was killed (SIGKILL, a crash) and left the lock behind: take it once it is stale.
    release = await takeOverFrom(holder);
  }
  const me: DataDirHolder = {
    pid: process.pid,
    ...(options.owner ? { owner: options.owner } : {}),
    command: commandLine(),
    since: new Date().toISOString(),
    hostname: hostname(),
  };
  await writeFile(`${holderFile}.${process.pid}`, JSON.stringify(me));
  await rename(`${holderFile}.${process.pid}`, holderFile);
  // proper-lockfile removes the lock on any exit (process.exit too); the holder file goes with it.
  const forget = () => removeIfOurs(holderFile);
  process.once("exit", forget);
  let released: Promise<void> | undefined;
  return () => {
    released ??= (async () => {
      process.off("exit", forget);
      forget();
      await release().catch((error: NodeJS.ErrnoException) => {
        // Already released by the library: the lock was compromised.
        if (error.code !== "ERELEASED") throw error;
      });
    })();
    return released;
  };
}

const isLocked = (error: unknown) => (error as NodeJS.ErrnoException)?.code === "ELOCKED";

async function readHolder(file: string): Promise<DataDirHolder | undefined> {
  try {
    const holder = JSON.parse(await readFile(file, "utf8"));
    return typeof holder?.pid === "number" ? holder : undefined;
  } catch {
    // No file yet (its owner is between taking the lock and writing it) or a torn one.
    return undefined;
  }
}

/** The recorded owner ran on this machine and no longer exists. */
function isGone(holder: DataDirHolder): boolean {
  if (holder.hostname !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function removeIfOurs(file: string): void {
  try {
    if (JSON.parse(readFileSync(file, "utf8")).pid === process.pid) unlinkSync(file);
  } catch {
    // Gone already, or another owner's by now.
  }
}

function commandLine(): string {
  const line = ["node", ...process.execArgv, ...process.argv.slice(1)].join(" ");
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
