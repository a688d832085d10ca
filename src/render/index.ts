export { createEngine, RenderError, TEMPLATE_DIR, type Engine, type Render } from "./_engine.js";
export { shellQuote } from "./_helpers.js";
export { answerTemplates, renderAnswerFile, renderInstallFile, renderIpxeScript, renderNodeFiles, type RenderedFile } from "./_node.js";
export { BASE_PACKAGES, bootAssets, collectVariables, type InstallTarget, type RenderContext, type Variables } from "./_variables.js";
export { collectMasterVariables, MASTER_PACKAGES, MASTER_PATHS, MASTER_TEMPLATES, masterProfile, renderMasterFiles, type MasterContext, type MasterFiles, type MasterVariables } from "./_master.js";
