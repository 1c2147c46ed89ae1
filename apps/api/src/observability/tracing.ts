import { register } from "node:module";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { ExpressInstrumentation } from "@opentelemetry/instrumentation-express";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { PinoInstrumentation } from "@opentelemetry/instrumentation-pino";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { PrismaInstrumentation } from "@prisma/instrumentation";
import { PROBES } from "../paths.ts";

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP base URL (OTEL_EXPORTER_OTLP_ENDPOINT); spans go to `<endpoint>/v1/traces`. */
  endpoint?: string;
  /** Replace the OTLP exporter, e.g. an in-memory one in tests. */
  spanProcessors?: SpanProcessor[];
}

export interface Tracing {
  provider: TracerProvider;
  /** Flush pending spans and stop. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry tracing: HTTP server and client spans, Express middleware/route spans, pg
 * queries (PostgreSQL mode), Prisma's own operation and query spans, W3C trace context in and out, and `trace_id`/`span_id` on pino
 * log lines. It patches modules as they load, so it must run before the app is imported:
 * src/instrumentation.ts does it from `node --import`, and loads this file only when tracing
 * is configured, so the SDK costs nothing otherwise.
 */
export function startTracing({ serviceName, endpoint, spanProcessors }: TracingOptions): Tracing {
  // ESM imports are patched through import-in-the-middle's loader hooks; CommonJS through require hooks.
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);

  const processors = spanProcessors ?? [
    new BatchSpanProcessor({
      exporter: new OTLPTraceExporter({ url: `${endpoint?.replace(/\/$/, "")}/v1/traces` }),
      scheduledDelayMillis: 1000,
    }),
  ];
  const probes = new Set<string>(Object.values(PROBES));
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    spanProcessors: processors,
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Health probes would drown every trace backend.
        ignoreIncomingRequestHook: (req) => probes.has(req.url?.split("?")[0] ?? ""),
      }),
      // The bundled server keeps these modules external so they can be patched: a new
      // instrumentation's module goes on rolldown.config.ts's external list too.
      new ExpressInstrumentation(),
      new PgInstrumentation(),
      new PinoInstrumentation(),
      // Prisma's own spans (prisma:client:operation, :serialize, :db_query...) under the HTTP span,
      // on PGlite too, where no pg query span exists.
      new PrismaInstrumentation(),
    ],
  });

  return {
    provider,
    async shutdown() {
      unregister();
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
