export type { CheckResult, Extension, Readiness } from "./extension.ts";
export { ExtensionRegistry, type RegistryOptions } from "./registry.ts";
