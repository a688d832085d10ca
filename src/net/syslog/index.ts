export { parseSyslog, severityName, type SyslogMessage } from "./_parse.js";
export { createSyslogServer, type SyslogServer } from "./_server.js";
