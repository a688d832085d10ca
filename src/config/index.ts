export { parseConfig, loadConfig, type ParseResult } from "./_load.js";
export { ConfigError, formatIssue, formatPath, type ConfigIssue } from "./_errors.js";
export { configSchema, OS_NAMES, type Config, type ProfileConfig, type NodeConfig } from "./_schema.js";
export { configJsonSchema } from "./_jsonschema.js";
