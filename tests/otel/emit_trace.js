// Emits one agent trace through the OpenTelemetry JS SDK to Vigil, once with the OTLP/HTTP JSON
// exporter and once with the OTLP/HTTP protobuf exporter, and prints the two trace ids as JSON:
//   node emit_trace.js JSON_URL PROTO_URL TOKEN
// The trace: an invoke_agent root, two chat spans with token usage, one execute_tool span that
// fails with error.type=permission_denied (the shape docs/otlp.md maps).
'use strict';
const { trace, context, SpanKind, SpanStatusCode } = require('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter: JsonExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPTraceExporter: ProtoExporter } = require('@opentelemetry/exporter-trace-otlp-proto');

async function emit(Exporter, url, token, label) {
  const exporter = new Exporter({ url, headers: { Authorization: `Bearer ${token}` } });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'refund-bot',
      'service.version': 'v9',
      'vigil.tenant': 'acme',
    }),
    // Batching, as services do: the whole trace goes in one export.
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('vigil-otel-test', '1.0.0');
  const t0 = Date.now() - 3000;
  const root = tracer.startSpan('invoke_agent refund-bot', {
    kind: SpanKind.SERVER,
    startTime: t0,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.conversation.id': `conv-${label}`,
      'vigil.request_id': `req-${label}`,
    },
  });
  const ctx = trace.setSpan(context.active(), root);
  const chat = (start, end, inTokens, outTokens, finish) => {
    const span = tracer.startSpan('chat m-large', {
      kind: SpanKind.CLIENT,
      startTime: t0 + start,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'm-large',
        'gen_ai.response.model': 'm-large-2025-06',
        'gen_ai.usage.input_tokens': inTokens,
        'gen_ai.usage.output_tokens': outTokens,
        'gen_ai.response.finish_reasons': finish,
      },
    }, ctx);
    span.end(t0 + end);
  };
  chat(10, 810, 1200, 300, ['stop']);
  chat(900, 1500, 800, 100, ['content_filter']);
  const tool = tracer.startSpan('execute_tool issue_refund', {
    kind: SpanKind.INTERNAL,
    startTime: t0 + 1600,
    attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'issue_refund' },
  }, ctx);
  tool.setAttribute('error.type', 'permission_denied');
  tool.setStatus({ code: SpanStatusCode.ERROR, message: 'refund API answered 403' });
  tool.end(t0 + 1700);
  root.setStatus({ code: SpanStatusCode.ERROR, message: 'refund not issued' });
  root.end(t0 + 2000);
  await provider.forceFlush();
  await provider.shutdown();
  return root.spanContext().traceId;
}

async function main() {
  const [jsonUrl, protoUrl, token] = process.argv.slice(2);
  const json = await emit(JsonExporter, jsonUrl, token, 'json');
  const proto = await emit(ProtoExporter, protoUrl, token, 'proto');
  process.stdout.write(JSON.stringify({ json, proto }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`emit_trace failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
