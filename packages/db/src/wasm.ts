// Node has WebAssembly, but TypeScript declares it only in the DOM library, which this
// project does not load: the little we use, typed here.
export interface WasmModule {
  readonly __brand?: "WebAssembly.Module";
}
export interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(
    module: WasmModule,
    imports: Record<string, unknown>,
  ): Promise<{ exports: Record<string, unknown> & { __wbindgen_start?: () => void } }>;
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
