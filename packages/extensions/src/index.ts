export type { CheckResult, Extension, Readiness } from "./extension.ts";
export { ExtensionRegistry, ExtensionStartError, type RegistryOptions } from "./registry.ts";
