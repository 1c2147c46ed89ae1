// One migrated PGlite for the whole run, copied per test (see @repo/db/testing).
export { default } from "@repo/db/vitest-global-setup";
