// graphql-codegen over schema.graphql, as the CLI runs it (its core and plugins), with no edits:
// <out>/schema.ts, every type of the schema (the typescript plugin), and <out>/graphql.ts, the
// types of a mobile app's operations (typescript-operations, which since version 6 also writes
// the enums and inputs those use, so it stands alone).
// Usage: node codegen.mjs SCHEMA OPERATIONS OUT_DIR; tests/test_codegen.py then runs tsc.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { codegen } from "@graphql-codegen/core";
import * as typescript from "@graphql-codegen/typescript";
import * as typescriptOperations from "@graphql-codegen/typescript-operations";
import { buildSchema, parse } from "graphql";

const [schemaPath, operationsPath, outDir] = process.argv.slice(2);
const sdl = readFileSync(schemaPath, "utf8");

const config = {
  // Every custom scalar must be named here: a new one fails generation until it is mapped.
  strictScalars: true,
  scalars: { Date: "string", DateTime: "string", Decimal: "string", JSON: "unknown" },
};

async function generate(filename, plugin, documents) {
  const output = await codegen({
    schema: parse(sdl),
    schemaAst: buildSchema(sdl),
    documents,
    filename,
    plugins: [{ [plugin.name]: {} }],
    pluginMap: { [plugin.name]: plugin.module },
    config,
  });
  writeFileSync(join(outDir, filename), output);
}

await generate("schema.ts", { name: "typescript", module: typescript }, []);
const operations = parse(readFileSync(operationsPath, "utf8"));
await generate(
  "graphql.ts",
  { name: "typescript-operations", module: typescriptOperations },
  [{ location: operationsPath, document: operations }],
);
