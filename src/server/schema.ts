/**
 * The outputSchema a tool advertises: its domain schema's top level, each field's type kept and nested shapes
 * left open. tools/list is read into a model's context on every session, and the whole nested schema of a
 * report (get_pattern's was 12 KB) costs more than it tells: the fields' meaning is in the tool's description
 * and the domain schemas stay the contract the tests hold the answers to.
 */
import { z } from 'zod';

type Shape = Record<string, z.ZodType>;

function leanField(t: z.ZodType): z.ZodType {
  if (t instanceof z.ZodOptional) return leanField(t.unwrap() as z.ZodType).optional();
  if (t instanceof z.ZodNullable) return leanField(t.unwrap() as z.ZodType).nullable();
  if (t instanceof z.ZodDefault) return leanField(t.unwrap() as z.ZodType);
  if (t instanceof z.ZodString) return z.string();
  if (t instanceof z.ZodNumber) return z.number();
  if (t instanceof z.ZodBoolean) return z.boolean();
  // An enum's values are in the tool's description and the field's own values: a string says enough here.
  if (t instanceof z.ZodEnum || t instanceof z.ZodLiteral) return z.string();
  if (t instanceof z.ZodArray) return z.array(z.unknown());
  // A nested object or union is named, not spelled out: `{}` in the advertised schema.
  return z.unknown();
}

/**
 * The lean advertised form of an object schema (what structuredContent is checked against by the SDK): its
 * fields that are always there; the optional ones pass as extra keys.
 */
export function leanOutput<S extends Shape>(schema: z.ZodObject<S>): z.ZodObject<Shape> {
  const shape: Shape = {};
  for (const [k, v] of Object.entries(schema.shape)) if (!(v instanceof z.ZodOptional)) shape[k] = leanField(v);
  return z.looseObject(shape);
}

type ListTools = (request: unknown, extra: unknown) => Promise<{ tools: { inputSchema: Record<string, unknown>; outputSchema?: Record<string, unknown> }[] }>;

/**
 * Drop the `$schema` marker the SDK writes at the root of every tool's input and output schema: the protocol
 * fixes the dialect, and sixteen copies cost a model ~200 tokens per session. The SDK offers no option, so its
 * own tools/list handler is wrapped; if its internals move, the list is served as the SDK makes it.
 */
export function dropSchemaMarkers(protocol: object): void {
  const handlers = (protocol as { _requestHandlers?: unknown })._requestHandlers;
  if (!(handlers instanceof Map)) return;
  const list = handlers.get('tools/list') as ListTools | undefined;
  if (!list) return;
  handlers.set('tools/list', async (request: unknown, extra: unknown) => {
    const res = await list(request, extra);
    for (const t of res.tools) {
      delete t.inputSchema.$schema;
      if (t.outputSchema) delete t.outputSchema.$schema;
    }
    return res;
  });
}
